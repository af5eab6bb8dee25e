package twofactor_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/store"
)

// registerPasskey registers key for u and returns its id.
func registerPasskey(t *testing.T, e *apptest.Env, u apptest.User, key *softKey, name string) string {
	t.Helper()
	o := beginRegistration(t, e, u)
	var created struct {
		ID string `json:"id"`
	}
	e.Must(http.StatusCreated, apptest.Req{Method: "POST", Path: "/v1/me/2fa/webauthn/register/finish", Token: u.Token,
		Body: map[string]any{"name": name, "credential": key.create(t, o, testOrigin)}}).Decode(t, &created)
	return created.ID
}

type passkeyBegin struct {
	ChallengeID string `json:"challengeId"`
	ceremonyOptions
}

func beginPasswordless(t *testing.T, e *apptest.Env) passkeyBegin {
	t.Helper()
	res := e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/auth/passkey/begin"})
	var b passkeyBegin
	res.Decode(t, &b)
	var raw struct {
		PublicKey struct {
			UserVerification string `json:"userVerification"`
			AllowCredentials []any  `json:"allowCredentials"`
		} `json:"publicKey"`
	}
	res.Decode(t, &raw)
	if b.ChallengeID == "" || b.PublicKey.Challenge == "" || raw.PublicKey.UserVerification != "required" || len(raw.PublicKey.AllowCredentials) != 0 {
		t.Fatalf("passkey begin = %s; want a challenge id, a challenge, user verification required and no allowed credentials", res.Body)
	}
	return b
}

func finishPasswordless(e *apptest.Env, challengeID string, cred json.RawMessage, userAgent string) *apptest.Response {
	r := apptest.Req{Method: "POST", Path: "/v1/auth/passkey/finish", Body: map[string]any{"challengeId": challengeID, "credential": cred}}
	if userAgent != "" {
		r.Header = map[string]string{"User-Agent": userAgent}
	}
	return e.Do(r)
}

func wantPasskeyRefused(t *testing.T, res *apptest.Response, what string) {
	t.Helper()
	if res.Status != http.StatusUnauthorized || res.Code() != "invalid_credentials" {
		t.Errorf("%s: %d %s, want 401 invalid_credentials", what, res.Status, res.Body)
	}
}

func TestPasswordlessPasskeySignIn(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	key := newSoftKey(t)
	key.discoverable = true
	e.Login(u.Email, u.Password) // the account's first sign-in: no new-device notice
	registerPasskey(t, e, u, key, "Phone")
	userHandle := b64.EncodeToString([]byte(u.ID))

	t.Run("GET /v1/me/2fa says the passkey is discoverable", func(t *testing.T) {
		st := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/2fa", Token: u.Token}).JSON()
		list, _ := st["webauthn"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["discoverable"] != true {
			t.Errorf("webauthn = %v, want one discoverable passkey", st["webauthn"])
		}
	})
	var used passkeyBegin
	var usedCred json.RawMessage
	t.Run("a passkey with user verification signs in without password or second step", func(t *testing.T) {
		used = beginPasswordless(t, e)
		usedCred = key.get(t, used.ceremonyOptions, testOrigin, 1, userHandle)
		res := finishPasswordless(e, used.ChallengeID, usedCred, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148 Safari/604.1")
		tok := wantSession(t, e, res, "passwordless sign-in")
		me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: tok}).JSON()
		if me["id"] != u.ID {
			t.Errorf("signed in as %v, want %s", me["id"], u.ID)
		}
	})
	t.Run("the sign-in from a new device mails the notice", func(t *testing.T) {
		n := 0
		for _, m := range e.Emails(u.Email) {
			if strings.Contains(m.Subject, "new sign-in") && strings.Contains(m.Text, "Safari") && strings.Contains(m.Text, "iOS") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d new-device notices for the iPhone, want 1", n)
		}
	})
	t.Run("a ceremony is used once", func(t *testing.T) {
		wantPasskeyRefused(t, finishPasswordless(e, used.ChallengeID, key.get(t, used.ceremonyOptions, testOrigin, 2, userHandle), ""), "second finish of one ceremony")
	})
	t.Run("a replayed assertion is refused", func(t *testing.T) {
		b := beginPasswordless(t, e)
		wantPasskeyRefused(t, finishPasswordless(e, b.ChallengeID, usedCred, ""), "old assertion on a new ceremony")
	})
	t.Run("an assertion without user verification is refused", func(t *testing.T) {
		b := beginPasswordless(t, e)
		wantPasskeyRefused(t, finishPasswordless(e, b.ChallengeID, key.getFlags(t, b.ceremonyOptions, testOrigin, 10, userHandle, 0x01), ""), "user present, not verified")
	})
	t.Run("an assertion naming another account is refused", func(t *testing.T) {
		other := e.SignUp(nil)
		b := beginPasswordless(t, e)
		wantPasskeyRefused(t, finishPasswordless(e, b.ChallengeID, key.get(t, b.ceremonyOptions, testOrigin, 11, b64.EncodeToString([]byte(other.ID))), ""), "user handle of another account")
	})
	t.Run("an unknown passkey is refused", func(t *testing.T) {
		stranger := newSoftKey(t)
		b := beginPasswordless(t, e)
		wantPasskeyRefused(t, finishPasswordless(e, b.ChallengeID, stranger.get(t, b.ceremonyOptions, testOrigin, 1, userHandle), ""), "unregistered credential")
	})
	t.Run("a wrong origin is refused", func(t *testing.T) {
		b := beginPasswordless(t, e)
		wantPasskeyRefused(t, finishPasswordless(e, b.ChallengeID, key.get(t, b.ceremonyOptions, "https://evil.example", 12, userHandle), ""), "wrong origin")
	})
}

// A credential id is registered once across all accounts (WebAuthn Level
// 3, 7.1 step 22): the same authenticator credential on a second account
// is 409, and the first account keeps it.
func TestCredentialIDRegisteredOnce(t *testing.T) {
	e := apptest.New(t, nil)
	a, b := e.SignUp(nil), e.SignUp(nil)
	key := newSoftKey(t)
	// a's first factor: the answer carries a's backup codes, the second
	// factor that deleting the passkey needs with 2FA on (step-up).
	var first struct {
		BackupCodes []string `json:"backupCodes"`
	}
	e.Must(http.StatusCreated, apptest.Req{Method: "POST", Path: "/v1/me/2fa/webauthn/register/finish", Token: a.Token,
		Body: map[string]any{"name": "Key", "credential": key.create(t, beginRegistration(t, e, a), testOrigin)}}).Decode(t, &first)
	if len(first.BackupCodes) == 0 {
		t.Fatal("the first passkey came without backup codes")
	}
	o := beginRegistration(t, e, b)
	res := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/2fa/webauthn/register/finish", Token: b.Token,
		Body: map[string]any{"name": "Same key", "credential": key.create(t, o, testOrigin)}})
	if res.Status != http.StatusConflict || res.Code() != "conflict" {
		t.Fatalf("same credential id on a second account: %d %s, want 409 conflict", res.Status, res.Body)
	}
	st := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/2fa", Token: b.Token}).JSON()
	if list, _ := st["webauthn"].([]any); len(list) != 0 || st["enabled"] != false {
		t.Errorf("second account after the refusal: %v", st)
	}
	t.Run("deleting the passkey frees its id", func(t *testing.T) {
		e := e.For(t)
		st := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/2fa", Token: a.Token}).JSON()
		id := st["webauthn"].([]any)[0].(map[string]any)["id"].(string)
		e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me/2fa/webauthn/" + id, Token: a.Token,
			Body: map[string]any{"password": a.Password, "code": first.BackupCodes[0]}})
		registerPasskey(t, e, b, key, "Moved key")
	})
}

// Both legs of a sign-in with TOTP make at most 4 sequential DynamoDB
// round trips each, the session included.
func TestSecondStepRoundTrips(t *testing.T) {
	var c *apptest.CountingDB
	e := apptest.New(t, &apptest.Options{WrapDB: func(db store.DB) store.DB {
		c = &apptest.CountingDB{DB: db, Latency: 5 * time.Millisecond}
		return c
	}})
	u := e.SignUp(nil)
	e.Login(u.Email, u.Password) // the device is known from now on
	secret, _ := enrolTOTP(t, e, u)
	e.Clock.Advance(time.Minute) // a later time step than the confirmation's
	c.Reset()
	ch := mustChallenge(t, e, u)
	if trips := c.Trips(); trips > 4 {
		t.Errorf("POST /v1/auth/login with a second factor: %d sequential round trips (%d requests), want at most 4", trips, c.Count())
	}
	t.Logf("POST /v1/auth/login with a second factor: %d round trips, %d requests", c.Trips(), c.Count())
	c.Reset()
	res := second(e, ch, "totp", mustCode(t, secret, e.Clock.Now()))
	trips, requests := c.Trips(), c.Count()
	wantSession(t, e, res, "totp second step")
	if trips > 4 {
		t.Errorf("POST /v1/auth/login/mfa: %d sequential round trips (%d requests), want at most 4", trips, requests)
	}
	t.Logf("POST /v1/auth/login/mfa: %d round trips, %d requests", trips, requests)
}

// BenchmarkSignInWithTOTP measures both legs of a sign-in with TOTP over
// HTTP against DynamoDB Local and reports, per route, the DynamoDB
// requests and the sequential round trips of one call (make bench).
func BenchmarkSignInWithTOTP(b *testing.B) {
	var c *apptest.CountingDB
	e := apptest.New(b, &apptest.Options{WrapDB: func(db store.DB) store.DB {
		c = &apptest.CountingDB{DB: db, Latency: time.Millisecond}
		return c
	}})
	u := e.SignUp(nil)
	e.Login(u.Email, u.Password)
	secret := benchEnrolTOTP(b, e, u)
	var loginReq, loginTrips, mfaReq, mfaTrips int64
	for b.Loop() {
		e.Clock.Advance(30 * time.Second) // a new TOTP step each time
		c.Reset()
		res := e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": u.Password}})
		loginReq, loginTrips = loginReq+c.Count(), loginTrips+c.Trips()
		var ch challenge
		res.Decode(b, &ch)
		code, err := totpCode(secret, e.Clock.Now())
		if err != nil {
			b.Fatal(err)
		}
		c.Reset()
		e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/auth/login/mfa", Body: map[string]any{"challengeId": ch.ChallengeID, "method": "totp", "code": code}})
		mfaReq, mfaTrips = mfaReq+c.Count(), mfaTrips+c.Trips()
	}
	n := float64(b.N)
	b.ReportMetric(float64(loginReq)/n, "login-ddb-requests/op")
	b.ReportMetric(float64(loginTrips)/n, "login-ddb-round-trips/op")
	b.ReportMetric(float64(mfaReq)/n, "mfa-ddb-requests/op")
	b.ReportMetric(float64(mfaTrips)/n, "mfa-ddb-round-trips/op")
}

func benchEnrolTOTP(tb testing.TB, e *apptest.Env, u apptest.User) string {
	tb.Helper()
	var start struct {
		Secret string `json:"secret"`
	}
	e.Must(http.StatusCreated, apptest.Req{Method: "POST", Path: "/v1/me/2fa/totp", Token: u.Token, Body: map[string]any{"password": u.Password}}).Decode(tb, &start)
	code, err := totpCode(start.Secret, e.Clock.Now())
	if err != nil {
		tb.Fatal(err)
	}
	e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/2fa/totp/confirm", Token: u.Token, Body: map[string]any{"code": code}})
	return start.Secret
}

func totpCode(secret string, at time.Time) (string, error) { return totp.GenerateCode(secret, at) }
