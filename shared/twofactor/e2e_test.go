package twofactor_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/phone/libphone"
	"github.com/example/myprofile/shared/twofactor"
)

// enrolTOTP sets up the authenticator app for u and returns its secret and
// the backup codes shown at confirmation.
func enrolTOTP(t *testing.T, e *apptest.Env, u apptest.User) (string, []string) {
	t.Helper()
	res := e.Must(http.StatusCreated, apptest.Req{Method: "POST", Path: "/v1/me/2fa/totp", Token: u.Token, Body: map[string]any{"password": u.Password}})
	var start struct {
		Secret     string `json:"secret"`
		OtpauthURI string `json:"otpauthUri"`
		QrPng      string `json:"qrPng"`
	}
	res.Decode(t, &start)
	if len(start.Secret) != 32 || !strings.HasPrefix(start.OtpauthURI, "otpauth://totp/") || start.QrPng == "" {
		t.Fatalf("enrolment answer = %s", res.Body)
	}
	conf := e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/2fa/totp/confirm", Token: u.Token, Body: map[string]any{"code": mustCode(t, start.Secret, e.Clock.Now())}})
	var out struct {
		BackupCodes []string `json:"backupCodes"`
	}
	conf.Decode(t, &out)
	return start.Secret, out.BackupCodes
}

func mustCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatalf("generate code: %v", err)
	}
	return c
}

type challenge struct {
	MFARequired bool     `json:"mfaRequired"`
	ChallengeID string   `json:"challengeId"`
	Methods     []string `json:"methods"`
	ExpiresAt   string   `json:"expiresAt"`
}

// wrongCodes returns n six-digit codes none of which the server accepts
// at the given time: each differs from the codes of the current step and
// of the steps the skew allows either side of it.
func wrongCodes(t *testing.T, secret string, at time.Time, n int) []string {
	t.Helper()
	live := map[string]bool{}
	for d := -twofactor.Standard.Skew; d <= twofactor.Standard.Skew; d++ {
		live[mustCode(t, secret, at.Add(time.Duration(d)*30*time.Second))] = true
	}
	var out []string
	for i := 0; len(out) < n; i++ {
		if c := fmt.Sprintf("%06d", i); !live[c] {
			out = append(out, c)
		}
	}
	return out
}

func mustChallenge(t *testing.T, e *apptest.Env, u apptest.User) challenge {
	t.Helper()
	res := e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": u.Password}})
	var c challenge
	res.Decode(t, &c)
	if !c.MFARequired || !strings.HasPrefix(c.ChallengeID, u.ID+".") || len(c.ChallengeID) != len(u.ID)+33 || c.ExpiresAt == "" {
		t.Fatalf("login with 2FA on: %s", res.Body)
	}
	if strings.Contains(string(res.Body), "token") {
		t.Fatalf("login with 2FA on returned a session: %s", res.Body)
	}
	return c
}

func second(e *apptest.Env, c challenge, method, code string) *apptest.Response {
	return e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login/mfa", Body: map[string]any{"challengeId": c.ChallengeID, "method": method, "code": code}})
}

func wantMFAInvalid(t *testing.T, res *apptest.Response, what string) {
	t.Helper()
	if res.Status != http.StatusUnauthorized || res.Code() != "mfa_invalid" {
		t.Fatalf("%s: %d %s, want 401 mfa_invalid", what, res.Status, res.Body)
	}
}

func wantSession(t *testing.T, e *apptest.Env, res *apptest.Response, what string) string {
	t.Helper()
	if res.Status != http.StatusOK {
		t.Fatalf("%s: %d %s, want 200 with a session", what, res.Status, res.Body)
	}
	var out struct {
		Session struct {
			Token string `json:"token"`
		} `json:"session"`
	}
	res.Decode(t, &out)
	if out.Session.Token == "" {
		t.Fatalf("%s: no session token in %s", what, res.Body)
	}
	e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: out.Session.Token})
	return out.Session.Token
}

func subjects(e *apptest.Env, addr string) []string {
	var out []string
	for _, m := range e.Emails(addr) {
		out = append(out, m.Subject)
	}
	return out
}

func countContaining(list []string, sub string) int {
	n := 0
	for _, s := range list {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

// totpUser is a signed-up user with the authenticator app set up, the
// secret, the backup codes shown at confirmation, and the session of a
// second device (for revokeOtherSessions).
type totpUser struct {
	apptest.User
	secret string
	codes  []string
	other  string
}

// newTOTPUser signs up a user of the subtest's own and sets up the
// authenticator app, at the clock's current time step.
func newTOTPUser(t *testing.T, e *apptest.Env) totpUser {
	t.Helper()
	u := e.SignUp(nil)
	other := e.Login(u.Email, u.Password)
	secret, codes := enrolTOTP(t, e, u)
	return totpUser{User: u, secret: secret, codes: codes, other: other}
}

// regenerateBackupCodes replaces u's backup codes and returns the new set.
func regenerateBackupCodes(t *testing.T, e *apptest.Env, u totpUser) []string {
	t.Helper()
	// With 2FA on, a current second factor too (here a backup code that
	// the callers do not use otherwise).
	res := e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/2fa/backup-codes", Token: u.Token, Body: map[string]any{"password": u.Password, "code": u.codes[5]}})
	var out struct {
		BackupCodes []string `json:"backupCodes"`
	}
	res.Decode(t, &out)
	if len(out.BackupCodes) != 10 {
		t.Fatalf("regenerated = %s", res.Body)
	}
	return out.BackupCodes
}

// removeTOTP removes u's authenticator app, its last factor, with a code
// of a time step of its own as the second factor the removal needs.
func removeTOTP(t *testing.T, e *apptest.Env, u totpUser, revokeOthers bool) {
	t.Helper()
	e.Clock.Advance(30 * time.Second)
	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me/2fa/totp", Token: u.Token, Body: map[string]any{"password": u.Password, "code": mustCode(t, u.secret, e.Clock.Now()), "revokeOtherSessions": revokeOthers}})
}

// Each subtest signs up and enrols a user of its own, so any one runs
// alone (go test -run 'TestTOTPEnrolSignInBackupCodesDisable/<name>').
func TestTOTPEnrolSignInBackupCodesDisable(t *testing.T) {
	e := apptest.New(t, nil)

	t.Run("enrolment needs the password", func(t *testing.T) {
		e := e.For(t)
		u := e.SignUp(nil)
		res := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/2fa/totp", Token: u.Token, Body: map[string]any{"password": "Wrong-password-123"}})
		if res.Status != http.StatusUnauthorized || res.Code() != "invalid_credentials" {
			t.Fatalf("wrong password: %d %s", res.Status, res.Body)
		}
	})
	t.Run("enrolment turns 2FA on and shows ten backup codes once", func(t *testing.T) {
		e := e.For(t)
		u := newTOTPUser(t, e)
		if len(u.codes) != 10 {
			t.Fatalf("backup codes = %v, want 10", u.codes)
		}
		for _, c := range u.codes {
			if !regexp.MustCompile(`^[2-9A-HJKMNP-Z]{10}$`).MatchString(c) {
				t.Errorf("backup code %q is not 10 unambiguous characters", c)
			}
		}
		me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: u.Token}).JSON()
		if tf, _ := me["twoFactor"].(map[string]any); tf["enabled"] != true || fmt.Sprint(tf["methods"]) != "[totp]" {
			t.Errorf("GET /v1/me twoFactor = %v, want enabled with [totp]", me["twoFactor"])
		}
		st := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/2fa", Token: u.Token}).JSON()
		if st["enabled"] != true || st["totp"].(map[string]any)["enabled"] != true || st["backupCodes"].(map[string]any)["remaining"] != float64(10) {
			t.Errorf("GET /v1/me/2fa = %v", st)
		}
		if strings.Contains(fmt.Sprint(st), u.secret) {
			t.Error("the secret is returned after enrolment")
		}
		if n := countContaining(subjects(e, u.Email), "method added"); n != 1 {
			t.Errorf("enable notices = %d, want 1", n)
		}
	})
	t.Run("the confirmation code cannot sign in (same time step)", func(t *testing.T) {
		e := e.For(t)
		u := newTOTPUser(t, e)
		c := mustChallenge(t, e, u.User)
		wantMFAInvalid(t, second(e, c, "totp", mustCode(t, u.secret, e.Clock.Now())), "code of the confirmed step")
	})
	t.Run("sign-in: wrong code, then the right one", func(t *testing.T) {
		e := e.For(t)
		u := newTOTPUser(t, e)
		e.Clock.Advance(30 * time.Second)
		c := mustChallenge(t, e, u.User)
		if strings.Join(c.Methods, ",") != "totp,backup_code" {
			t.Errorf("methods = %v, want [totp backup_code]", c.Methods)
		}
		wantMFAInvalid(t, second(e, c, "totp", wrongCodes(t, u.secret, e.Clock.Now(), 1)[0]), "wrong code")
		used := mustCode(t, u.secret, e.Clock.Now())
		wantSession(t, e, second(e, c, "totp", used), "right code")
		t.Run("the challenge cannot be used twice", func(t *testing.T) {
			e := e.For(t)
			wantMFAInvalid(t, second(e, c, "totp", used), "second use of a challenge")
		})
	})
	t.Run("a replayed code is refused and the user is told", func(t *testing.T) {
		e := e.For(t)
		u := newTOTPUser(t, e)
		// A code of a step of its own, used once, then replayed.
		e.Clock.Advance(30 * time.Second)
		used := mustCode(t, u.secret, e.Clock.Now())
		wantSession(t, e, second(e, mustChallenge(t, e, u.User), "totp", used), "first use of the code")
		before := countContaining(subjects(e, u.Email), "used twice")
		c := mustChallenge(t, e, u.User)
		wantMFAInvalid(t, second(e, c, "totp", used), "replayed code")
		if after := countContaining(subjects(e, u.Email), "used twice"); after != before+1 {
			t.Errorf("replay notices: %d -> %d, want one more", before, after)
		}
	})
	t.Run("the challenge is bound to the client", func(t *testing.T) {
		e := e.For(t)
		u := newTOTPUser(t, e)
		e.Clock.Advance(30 * time.Second)
		c := mustChallenge(t, e, u.User)
		res := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login/mfa", Header: map[string]string{"User-Agent": "another-browser"},
			Body: map[string]any{"challengeId": c.ChallengeID, "method": "totp", "code": mustCode(t, u.secret, e.Clock.Now())}})
		wantMFAInvalid(t, res, "another user agent")
	})
	t.Run("a backup code works once", func(t *testing.T) {
		e := e.For(t)
		u := newTOTPUser(t, e)
		c := mustChallenge(t, e, u.User)
		wantSession(t, e, second(e, c, "backup_code", strings.ToLower(u.codes[0][:5])+"-"+u.codes[0][5:]), "backup code")
		c = mustChallenge(t, e, u.User)
		wantMFAInvalid(t, second(e, c, "backup_code", u.codes[0]), "used backup code")
		st := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/2fa", Token: u.Token}).JSON()
		if got := st["backupCodes"].(map[string]any)["remaining"]; got != float64(9) {
			t.Errorf("remaining = %v, want 9", got)
		}
	})
	t.Run("regenerated codes replace the old set", func(t *testing.T) {
		e := e.For(t)
		u := newTOTPUser(t, e)
		fresh := regenerateBackupCodes(t, e, u)
		c := mustChallenge(t, e, u.User)
		wantMFAInvalid(t, second(e, c, "backup_code", u.codes[1]), "old backup code")
		wantSession(t, e, second(e, c, "backup_code", fresh[1]), "new backup code")
		if n := countContaining(subjects(e, u.Email), "backup codes"); n != 1 {
			t.Errorf("regeneration notices = %d, want 1", n)
		}
	})
	t.Run("disabling with a wrong password is refused", func(t *testing.T) {
		e := e.For(t)
		u := newTOTPUser(t, e)
		res := e.Do(apptest.Req{Method: "DELETE", Path: "/v1/me/2fa/totp", Token: u.Token, Body: map[string]any{"password": "Wrong-password-123"}})
		if res.Status != http.StatusUnauthorized || res.Code() != "invalid_credentials" {
			t.Fatalf("wrong password: %d %s", res.Status, res.Body)
		}
		mustChallenge(t, e, u.User) // still on
	})
	t.Run("removing the last factor turns 2FA off and ends other sessions on request", func(t *testing.T) {
		e := e.For(t)
		u := newTOTPUser(t, e)
		removeTOTP(t, e, u, true)
		st := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/2fa", Token: u.Token}).JSON()
		if st["enabled"] != false || st["backupCodes"].(map[string]any)["remaining"] != float64(0) {
			t.Errorf("after disabling: %v", st)
		}
		me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: u.Token}).JSON()
		if tf, _ := me["twoFactor"].(map[string]any); tf["enabled"] != false {
			t.Errorf("GET /v1/me twoFactor = %v", tf)
		}
		if r := e.Do(apptest.Req{Method: "GET", Path: "/v1/me", Token: u.other}); r.Status != http.StatusUnauthorized {
			t.Errorf("other session after revokeOtherSessions: %d", r.Status)
		}
		if n := countContaining(subjects(e, u.Email), "method removed"); n != 1 {
			t.Errorf("disable notices = %d, want 1", n)
		}
		e.Login(u.Email, u.Password) // no second step any more
	})
	t.Run("every factor change is in the audit log", func(t *testing.T) {
		e := e.For(t)
		u := newTOTPUser(t, e)
		regenerateBackupCodes(t, e, u)
		removeTOTP(t, e, u, false)
		var log struct {
			Entries []struct {
				Action  string            `json:"action"`
				Details map[string]string `json:"details"`
			} `json:"entries"`
		}
		e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/audit", Token: u.Token}).Decode(t, &log)
		counts := map[string]int{}
		for _, x := range log.Entries {
			counts[x.Action]++
		}
		for action, want := range map[string]int{"two_factor.enabled": 1, "two_factor.backup_codes_regenerated": 1, "two_factor.disabled": 1} {
			if counts[action] != want {
				t.Errorf("%s entries = %d, want %d (log %+v)", action, counts[action], want, log.Entries)
			}
		}
	})
}

func TestFiveWrongCodesVoidTheChallenge(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	secret, _ := enrolTOTP(t, e, u)
	e.Clock.Advance(30 * time.Second)
	c := mustChallenge(t, e, u)
	for i, code := range wrongCodes(t, secret, e.Clock.Now(), 5) {
		wantMFAInvalid(t, second(e, c, "totp", code), fmt.Sprintf("wrong code %d", i+1))
	}
	wantMFAInvalid(t, second(e, c, "totp", mustCode(t, secret, e.Clock.Now())), "right code after 5 wrong ones")
	t.Run("a new sign-in works", func(t *testing.T) {
		e := e.For(t)
		c := mustChallenge(t, e, u)
		wantSession(t, e, second(e, c, "totp", mustCode(t, secret, e.Clock.Now())), "fresh challenge")
	})
	t.Run("an expired challenge is refused", func(t *testing.T) {
		e := e.For(t)
		e.Clock.Advance(30 * time.Second)
		c := mustChallenge(t, e, u)
		e.Clock.Advance(5*time.Minute + time.Second)
		wantMFAInvalid(t, second(e, c, "totp", mustCode(t, secret, e.Clock.Now())), "expired challenge")
	})
}

// The same code, submitted 10 times at once over two sign-ins, opens
// exactly one session: the last accepted time step is a conditional write.
func TestConcurrentTOTPSubmissions(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	secret, _ := enrolTOTP(t, e, u)
	e.Clock.Advance(30 * time.Second)
	cs := []challenge{mustChallenge(t, e, u), mustChallenge(t, e, u)}
	code := mustCode(t, secret, e.Clock.Now())
	var wg sync.WaitGroup
	statuses := make([]int, 10)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := e.InGoroutine()
			statuses[i] = second(e, cs[i%2], "totp", code).Status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusUnauthorized:
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	if ok != 1 {
		t.Fatalf("successes = %d (%v), want exactly 1", ok, statuses)
	}
}

func TestSMSFactor(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	phone := mobile(t) // a number that may receive codes (+1 555 ones are not valid)

	t.Run("needs a verified phone", func(t *testing.T) {
		e := e.For(t)
		res := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/2fa/sms", Token: u.Token, Body: map[string]any{"password": u.Password}})
		if res.Status != http.StatusConflict {
			t.Fatalf("without a phone: %d %s, want 409", res.Status, res.Body)
		}
	})
	// The phone-change flow is the verification function's; set a verified
	// phone directly.
	st := e.Deps.Store()
	rec, err := st.GetUser(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	next := rec
	next.Phone, next.PhoneVerified, next.Version = phone, true, rec.Version+1
	libphone.Complete(&next) // type and country, as the phone change stores them
	if err := st.SaveUser(context.Background(), next, rec.Version); err != nil {
		t.Fatal(err)
	}
	e.Must(http.StatusNoContent, apptest.Req{Method: "POST", Path: "/v1/me/2fa/sms", Token: u.Token, Body: map[string]any{"password": u.Password}})
	s := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/2fa", Token: u.Token}).JSON()
	if sms := s["sms"].(map[string]any); sms["enabled"] != true || sms["phoneLast4"] != phone[len(phone)-4:] {
		t.Errorf("GET /v1/me/2fa sms = %v", sms)
	}
	// SMS as the first factor answers 204 (the contract), so the codes come
	// from a regeneration the client offers when none remain, stepped up
	// with an SMS step-up code.
	if bc := s["backupCodes"].(map[string]any); bc["remaining"] != float64(0) {
		t.Errorf("backup codes after SMS as the first factor: %v, want 0 remaining", bc)
	}
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/2fa/step-up/sms", Token: u.Token})
	stepUp := regexp.MustCompile(`\b\d{6}\b`).FindString(e.SMS(phone)[0].Message)
	codes := e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/2fa/backup-codes", Token: u.Token, Body: map[string]any{"password": u.Password, "code": stepUp}}).JSON()
	if list, _ := codes["backupCodes"].([]any); len(list) != 10 {
		t.Errorf("regenerated codes: %v", codes)
	}

	c := mustChallenge(t, e, u)
	if strings.Join(c.Methods, ",") != "sms,backup_code" {
		t.Errorf("methods = %v, want [sms backup_code]", c.Methods)
	}
	wantMFAInvalid(t, second(e, c, "sms", "123456"), "sms code before one was sent")
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/auth/login/mfa/sms", Body: map[string]any{"challengeId": c.ChallengeID}})
	msgs := e.SMS(phone)
	if len(msgs) != 2 { // the step-up code, then the sign-in code
		t.Fatalf("SMS sent = %d, want 2", len(msgs))
	}
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(msgs[1].Message)
	if code == "" {
		t.Fatalf("no code in %q", msgs[0].Message)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	wantMFAInvalid(t, second(e, c, "sms", wrong), "wrong sms code")
	wantMFAInvalid(t, second(e, c, "totp", "123456"), "a method the challenge does not offer")
	wantSession(t, e, second(e, c, "sms", code), "right sms code")

	t.Run("an expired sms code is refused", func(t *testing.T) {
		e := e.For(t)
		c := mustChallenge(t, e, u)
		e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/auth/login/mfa/sms", Body: map[string]any{"challengeId": c.ChallengeID}})
		msgs := e.SMS(phone)
		code := regexp.MustCompile(`\b\d{6}\b`).FindString(msgs[len(msgs)-1].Message)
		e.Clock.Advance(4*time.Minute + 59*time.Second)
		e.Clock.Advance(2 * time.Second)
		wantMFAInvalid(t, second(e, c, "sms", code), "sms code after 5 minutes")
	})
	t.Run("disabling sms turns 2FA off", func(t *testing.T) {
		e := e.For(t)
		list, _ := codes["backupCodes"].([]any)
		e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me/2fa/sms", Token: u.Token, Body: map[string]any{"password": u.Password, "code": list[0]}})
		e.Login(u.Email, u.Password)
	})
}

// One backup code submitted 10 times at once over two sign-ins opens
// exactly one session: the code is consumed by a conditional delete.
func TestConcurrentBackupCodeSubmissions(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	_, codes := enrolTOTP(t, e, u)
	cs := []challenge{mustChallenge(t, e, u), mustChallenge(t, e, u)}
	var wg sync.WaitGroup
	statuses := make([]int, 10)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := e.InGoroutine()
			statuses[i] = second(e, cs[i%2], "backup_code", codes[3]).Status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			ok++
		} else if s != http.StatusUnauthorized {
			t.Errorf("unexpected status %d", s)
		}
	}
	if ok != 1 {
		t.Fatalf("successes = %d (%v), want exactly 1", ok, statuses)
	}
}

// A pending sign-in challenge lives in the user's partition, so deleting
// the account leaves nothing behind, not even a challenge still in its TTL.
func TestAccountDeletionRemovesPendingChallenges(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	_, codes := enrolTOTP(t, e, u)
	c := mustChallenge(t, e, u)
	if !strings.HasPrefix(c.ChallengeID, u.ID+".") {
		t.Fatalf("challenge id %q is not in the user's partition", c.ChallengeID)
	}
	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me", Token: u.Token,
		Body: map[string]any{"password": u.Password, "code": codes[0], "confirm": "DELETE"}})
	out, err := e.Deps.DB.Query(context.Background(), &dynamodb.QueryInput{TableName: &e.Table,
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": &ddbtypes.AttributeValueMemberS{Value: "USER#" + u.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 0 {
		t.Errorf("%d items left in the deleted user's partition", len(out.Items))
	}
	wantMFAInvalid(t, second(e, c, "totp", "123456"), "challenge of a deleted account")
}

// Five different valid backup codes sent at once on one challenge open one
// session and consume exactly one code: the challenge is claimed (one
// winner) before a code is consumed.
func TestConcurrentDifferentBackupCodesConsumeOne(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	_, codes := enrolTOTP(t, e, u)
	before := backupCodesRemaining(t, e, u)
	c := mustChallenge(t, e, u)
	statuses := make([]int, 5)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() { statuses[i] = second(e, c, "backup_code", codes[i]).Status })
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusUnauthorized:
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	if ok != 1 {
		t.Errorf("successes = %d (%v), want exactly 1", ok, statuses)
	}
	if after := backupCodesRemaining(t, e, u); after != before-1 {
		t.Errorf("backup codes remaining = %d after one sign-in, want %d (one consumed)", after, before-1)
	}
}

func backupCodesRemaining(t *testing.T, e *apptest.Env, u apptest.User) int {
	t.Helper()
	var st struct {
		BackupCodes struct {
			Remaining int `json:"remaining"`
		} `json:"backupCodes"`
	}
	e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/2fa", Token: u.Token}).Decode(t, &st)
	return st.BackupCodes.Remaining
}
