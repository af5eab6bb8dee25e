package twofactor_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/example/myprofile/shared/app/apptest"
)

// With 2FA on, removing a factor, regenerating backup codes and deleting
// the account need the password and a current second factor: the password
// alone is 401 mfa_invalid and changes nothing; with an authenticator code
// or a backup code the change is made.
func TestSensitiveChangesNeedASecondFactor(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	secret, codes := enrolTOTP(t, e, u)
	changes := []struct {
		name   string
		method string
		path   string
		ok     int
	}{
		{name: "regenerate backup codes", method: "POST", path: "/v1/me/2fa/backup-codes", ok: http.StatusOK},
		{name: "remove the authenticator", method: "DELETE", path: "/v1/me/2fa/totp", ok: http.StatusNoContent},
		{name: "delete the account", method: "DELETE", path: "/v1/me", ok: http.StatusNoContent},
	}
	for _, c := range changes {
		for _, code := range []string{"", "123456", "ABCDEFGHJK"} {
			body := map[string]any{"password": u.Password, "confirm": "DELETE"}
			if code != "" {
				body["code"] = code
			}
			if c.path != "/v1/me" {
				delete(body, "confirm")
			}
			if code == mustCode(t, secret, e.Clock.Now()) {
				continue
			}
			res := e.Do(apptest.Req{Method: c.method, Path: c.path, Token: u.Token, Body: body})
			if res.Status != http.StatusUnauthorized || res.Code() != "mfa_invalid" {
				t.Errorf("%s with the password and code %q: %d %s, want 401 mfa_invalid", c.name, code, res.Status, res.Body)
			}
		}
	}
	st := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/2fa", Token: u.Token}).JSON()
	if st["enabled"] != true || st["backupCodes"].(map[string]any)["remaining"] != float64(10) {
		t.Fatalf("after refused changes: %v, want 2FA on with 10 backup codes", st)
	}

	e.Clock.Advance(30 * time.Second) // the enrolment's code is used
	res := e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/2fa/backup-codes", Token: u.Token,
		Body: map[string]any{"password": u.Password, "code": mustCode(t, secret, e.Clock.Now())}})
	var out struct {
		BackupCodes []string `json:"backupCodes"`
	}
	res.Decode(t, &out)
	if len(out.BackupCodes) != 10 {
		t.Fatalf("regenerated: %s", res.Body)
	}
	old := e.Do(apptest.Req{Method: "DELETE", Path: "/v1/me/2fa/totp", Token: u.Token, Body: map[string]any{"password": u.Password, "code": codes[0]}})
	if old.Status != http.StatusUnauthorized || old.Code() != "mfa_invalid" {
		t.Errorf("a replaced backup code as the second factor: %d %s, want 401 mfa_invalid", old.Status, old.Body)
	}
	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me", Token: u.Token,
		Body: map[string]any{"password": u.Password, "code": out.BackupCodes[0], "confirm": "DELETE"}})
	res = e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": u.Password}})
	if res.Status != http.StatusUnauthorized {
		t.Errorf("sign-in after deletion: %d %s, want 401", res.Status, res.Body)
	}
}

// stepUpCeremony is the answer of POST /v1/me/2fa/step-up/webauthn/begin.
type stepUpCeremony struct {
	ChallengeID string `json:"challengeId"`
	ceremonyOptions
}

func beginStepUp(t *testing.T, e *apptest.Env, u apptest.User) stepUpCeremony {
	t.Helper()
	res := e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/2fa/step-up/webauthn/begin", Token: u.Token})
	var c stepUpCeremony
	res.Decode(t, &c)
	var raw struct {
		PublicKey struct {
			UserVerification string `json:"userVerification"`
			AllowCredentials []any  `json:"allowCredentials"`
		} `json:"publicKey"`
	}
	res.Decode(t, &raw)
	if len(c.ChallengeID) != 32 || c.PublicKey.Challenge == "" || raw.PublicKey.UserVerification != "required" || len(raw.PublicKey.AllowCredentials) == 0 {
		t.Fatalf("step-up begin = %s; want a challenge id, a challenge, user verification required and the user's passkeys", res.Body)
	}
	return c
}

// assertion is the `assertion` member of a step-up request body.
func assertion(c stepUpCeremony, cred json.RawMessage) map[string]any {
	return map[string]any{"challengeId": c.ChallengeID, "credential": cred}
}

func wantStepUpRefused(t *testing.T, res *apptest.Response, what string) {
	t.Helper()
	if res.Status != http.StatusUnauthorized || res.Code() != "mfa_invalid" {
		t.Errorf("%s: %d %s, want 401 mfa_invalid", what, res.Status, res.Body)
	}
}

// A passkey-only user steps up with a passkey assertion: the ceremony is
// the user's own, used once, needs user verification and a sign counter
// that moves forward; another account's ceremony or passkey is refused.
func TestPasskeyStepUp(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	key := newSoftKey(t)
	id := registerPasskey(t, e, u, key, "Laptop")
	other := e.SignUp(nil)
	otherKey := newSoftKey(t)
	registerPasskey(t, e, other, otherKey, "Other")
	handle := b64.EncodeToString([]byte(u.ID))
	var counter uint32
	next := func() uint32 { counter++; return counter }
	regen := func(body map[string]any) *apptest.Response {
		body["password"] = u.Password
		return e.Do(apptest.Req{Method: "POST", Path: "/v1/me/2fa/backup-codes", Token: u.Token, Body: body})
	}

	wantStepUpRefused(t, regen(map[string]any{}), "the password alone")
	c := beginStepUp(t, e, u)
	accepted := next()
	res := regen(map[string]any{"assertion": assertion(c, key.get(t, c.ceremonyOptions, testOrigin, accepted, handle))})
	if res.Status != http.StatusOK {
		t.Fatalf("regenerate with a passkey assertion: %d %s, want 200", res.Status, res.Body)
	}
	used := map[string]any{"assertion": assertion(c, key.get(t, c.ceremonyOptions, testOrigin, next(), handle))}
	wantStepUpRefused(t, regen(used), "a used ceremony (replay)")

	oc := beginStepUp(t, e, other)
	wantStepUpRefused(t, regen(map[string]any{"assertion": assertion(oc, key.get(t, oc.ceremonyOptions, testOrigin, next(), handle))}),
		"another account's ceremony")
	c = beginStepUp(t, e, u)
	wantStepUpRefused(t, regen(map[string]any{"assertion": assertion(c, otherKey.get(t, c.ceremonyOptions, testOrigin, 1, b64.EncodeToString([]byte(other.ID))))}),
		"another account's passkey")
	c = beginStepUp(t, e, u)
	wantStepUpRefused(t, regen(map[string]any{"assertion": assertion(c, key.getFlags(t, c.ceremonyOptions, testOrigin, next(), handle, 0x01))}),
		"without user verification")
	c = beginStepUp(t, e, u)
	wantStepUpRefused(t, regen(map[string]any{"assertion": assertion(c, key.get(t, c.ceremonyOptions, testOrigin, accepted, handle))}),
		"a sign counter that did not advance")
	c = beginStepUp(t, e, u)
	e.Clock.Advance(5*time.Minute + time.Second)
	wantStepUpRefused(t, regen(map[string]any{"assertion": assertion(c, key.get(t, c.ceremonyOptions, testOrigin, next(), handle))}),
		"an expired ceremony")

	// The refusals changed nothing: the passkey is still on.
	st := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/2fa", Token: u.Token}).JSON()
	if st["enabled"] != true || len(st["webauthn"].([]any)) != 1 {
		t.Fatalf("after refused step-ups: %v", st)
	}
	path := "/v1/me/2fa/webauthn/" + id
	wantStepUpRefused(t, e.Do(apptest.Req{Method: "DELETE", Path: path, Token: u.Token, Body: map[string]any{"password": u.Password}}), "remove the passkey with the password alone")
	c = beginStepUp(t, e, u)
	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: path, Token: u.Token,
		Body: map[string]any{"password": u.Password, "assertion": assertion(c, key.get(t, c.ceremonyOptions, testOrigin, next(), handle))}})
	st = e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/2fa", Token: u.Token}).JSON()
	if st["enabled"] != false || len(st["webauthn"].([]any)) != 0 {
		t.Errorf("after removing the passkey with an assertion: %v, want 2FA off", st)
	}
	res = e.Do(apptest.Req{Method: "POST", Path: "/v1/me/2fa/step-up/webauthn/begin", Token: u.Token})
	if res.Status != http.StatusConflict {
		t.Errorf("step-up begin without a passkey: %d %s, want 409", res.Status, res.Body)
	}

	t.Run("deleting the account with a passkey assertion", func(t *testing.T) {
		e := e.For(t)
		body := map[string]any{"password": other.Password, "confirm": "DELETE"}
		wantStepUpRefused(t, e.Do(apptest.Req{Method: "DELETE", Path: "/v1/me", Token: other.Token, Body: body}), "delete the account with the password alone")
		c := beginStepUp(t, e, other)
		body["assertion"] = assertion(c, otherKey.get(t, c.ceremonyOptions, testOrigin, 2, b64.EncodeToString([]byte(other.ID))))
		e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me", Token: other.Token, Body: body})
	})
}

// An SMS-only user has no authenticator and no backup code: the password
// alone no longer regenerates backup codes; an SMS step-up code does, once.
func TestSMSStepUp(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	phone := mobile(t)
	res := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/2fa/step-up/sms", Token: u.Token})
	if res.Status != http.StatusConflict {
		t.Errorf("step-up SMS without the SMS factor: %d %s, want 409", res.Status, res.Body)
	}
	st := e.Deps.Store()
	rec, err := st.GetUser(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	next := rec
	// A phone verified as the phone change stores it: with its type and
	// country (SMS codes go only to mobiles).
	next.Phone, next.PhoneVerified, next.Version = phone, true, rec.Version+1
	next.PhoneType, next.PhoneCountry = "mobile", "ES"
	if err := st.SaveUser(context.Background(), next, rec.Version); err != nil {
		t.Fatal(err)
	}
	e.Must(http.StatusNoContent, apptest.Req{Method: "POST", Path: "/v1/me/2fa/sms", Token: u.Token, Body: map[string]any{"password": u.Password}})
	regen := func(code string) *apptest.Response {
		body := map[string]any{"password": u.Password}
		if code != "" {
			body["code"] = code
		}
		return e.Do(apptest.Req{Method: "POST", Path: "/v1/me/2fa/backup-codes", Token: u.Token, Body: body})
	}
	wantStepUpRefused(t, regen(""), "regenerate with the password alone (no factor)")
	wantStepUpRefused(t, regen("123456"), "a code before any was sent")

	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/2fa/step-up/sms", Token: u.Token})
	msgs := e.SMS(phone)
	if len(msgs) != 1 {
		t.Fatalf("SMS sent = %d, want 1", len(msgs))
	}
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(msgs[0].Message)
	if code == "" {
		t.Fatalf("no code in %q", msgs[0].Message)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	wantStepUpRefused(t, regen(wrong), "a wrong step-up code")
	var out struct {
		BackupCodes []string `json:"backupCodes"`
	}
	res = regen(code)
	if res.Status != http.StatusOK {
		t.Fatalf("regenerate with the SMS step-up code: %d %s, want 200", res.Status, res.Body)
	}
	res.Decode(t, &out)
	if len(out.BackupCodes) != 10 {
		t.Fatalf("regenerated: %s", res.Body)
	}
	wantStepUpRefused(t, regen(code), "the step-up code a second time")

	t.Run("an expired step-up code is refused", func(t *testing.T) {
		e := e.For(t)
		e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/2fa/step-up/sms", Token: u.Token})
		msgs := e.SMS(phone)
		code := regexp.MustCompile(`\b\d{6}\b`).FindString(msgs[len(msgs)-1].Message)
		e.Clock.Advance(5*time.Minute + time.Second)
		wantStepUpRefused(t, e.Do(apptest.Req{Method: "DELETE", Path: "/v1/me/2fa/sms", Token: u.Token,
			Body: map[string]any{"password": u.Password, "code": code}}), "a step-up code after 5 minutes")
	})
	t.Run("removing SMS with a step-up code", func(t *testing.T) {
		e := e.For(t)
		e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/2fa/step-up/sms", Token: u.Token})
		msgs := e.SMS(phone)
		code := regexp.MustCompile(`\b\d{6}\b`).FindString(msgs[len(msgs)-1].Message)
		e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me/2fa/sms", Token: u.Token,
			Body: map[string]any{"password": u.Password, "code": code}})
		e.Login(u.Email, u.Password)
	})
}
