package auth_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
)

// End to end over HTTP: every function mounted together against DynamoDB
// Local and the SES emulator; codes are read from the emulator's store
// like a person reads their inbox.

func signupBody(email string) map[string]any {
	return map[string]any{"email": email, "password": apptest.DefaultPassword, "firstName": "Ada", "lastName": "Lovelace"}
}

func post(path string, body any) apptest.Req {
	return apptest.Req{Method: "POST", Path: path, Body: body}
}

// The clock stands still in these tests, so two answers made at the same
// time must be the same bytes.
func TestSignUpAnswersAlikeForKnownAndUnknownAddresses(t *testing.T) {
	e := apptest.New(t, nil)
	known := e.SignUp(nil)
	fresh := testenv.Email(t)

	a := e.Do(post("/v1/auth/signup", signupBody(known.Email)))
	b := e.Do(post("/v1/auth/signup", signupBody(fresh)))
	if a.Status != http.StatusAccepted || b.Status != http.StatusAccepted || string(a.Body) != string(b.Body) {
		t.Fatalf("known address: %d %s; unknown: %d %s; want the same 202 and body", a.Status, a.Body, b.Status, b.Body)
	}
	if _, ok := a.JSON()["expiresAt"].(string); !ok {
		t.Errorf("no expiresAt in %s", a.Body)
	}

	t.Run("the owner of the address is told, without a code", func(t *testing.T) {
		mails := e.Emails(known.Email)
		last := mails[len(mails)-1]
		if !strings.Contains(last.Subject, "tried to sign up") || sixDigitLine(last.Text) {
			t.Errorf("mail to the registered address: %q %q", last.Subject, last.Text)
		}
		if !strings.Contains(last.Text, "Forgot password") {
			t.Errorf("the mail does not say how to reset the password: %q", last.Text)
		}
	})
	t.Run("nothing is created before the code", func(t *testing.T) {
		if _, err := e.Deps.Store().LookupEmail(context.Background(), fresh); err == nil {
			t.Error("an unconfirmed sign-up holds the address")
		}
		res := e.Do(post("/v1/auth/login", map[string]any{"email": fresh, "password": apptest.DefaultPassword}))
		if res.Status != http.StatusUnauthorized {
			t.Errorf("sign-in before confirming: %d, want 401", res.Status)
		}
	})
	t.Run("the code creates the account, verified", func(t *testing.T) {
		res := e.Must(http.StatusCreated, post("/v1/auth/signup/confirm", map[string]any{"email": fresh, "code": e.LastCode(fresh)}))
		var out struct {
			User struct {
				Email         string `json:"email"`
				EmailVerified bool   `json:"emailVerified"`
				Role          string `json:"role"`
			} `json:"user"`
			Session struct{ Token string } `json:"session"`
		}
		res.Decode(t, &out)
		if out.User.Email != fresh || !out.User.EmailVerified || out.User.Role != account.RoleOwner || out.Session.Token == "" {
			t.Errorf("confirmation answered %s", res.Body)
		}
		e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: out.Session.Token})
	})
	t.Run("a code works once", func(t *testing.T) {
		res := e.Do(post("/v1/auth/signup/confirm", map[string]any{"email": fresh, "code": e.LastCode(fresh)}))
		if res.Status != http.StatusBadRequest || res.Code() != account.CodeCodeInvalid {
			t.Errorf("second use of a code: %d %s, want 400 code_invalid", res.Status, res.Body)
		}
	})
}

func TestSignUpMailIsInTheRequestedLanguage(t *testing.T) {
	e := apptest.New(t, nil)
	email := testenv.Email(t)
	body := signupBody(email)
	body["language"] = "es-MX"
	e.Must(http.StatusAccepted, post("/v1/auth/signup", body))
	mails := e.Emails(email)
	if len(mails) != 1 || !strings.Contains(mails[0].Subject, "código") {
		t.Fatalf("mails %+v, want one in Spanish", mails)
	}
}

func TestSignUpCodeBruteForceIsStopped(t *testing.T) {
	e := apptest.New(t, nil)
	email := testenv.Email(t)
	e.Must(http.StatusAccepted, post("/v1/auth/signup", signupBody(email)))
	code := e.LastCode(email)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 1; i < 5; i++ {
		res := e.Do(post("/v1/auth/signup/confirm", map[string]any{"email": email, "code": wrong}))
		if res.Status != http.StatusBadRequest || res.Code() != account.CodeCodeInvalid || res.JSON()["attemptsRemaining"] != float64(5-i) {
			t.Fatalf("wrong code %d: %d %s, want 400 code_invalid with %d attempts remaining", i, res.Status, res.Body, 5-i)
		}
	}
	res := e.Do(post("/v1/auth/signup/confirm", map[string]any{"email": email, "code": wrong}))
	if res.Status != http.StatusTooManyRequests || res.Code() != account.CodeTooManyAttempts {
		t.Fatalf("fifth wrong code: %d %s, want 429 too_many_attempts", res.Status, res.Body)
	}
	res = e.Do(post("/v1/auth/signup/confirm", map[string]any{"email": email, "code": code}))
	if res.Status == http.StatusCreated {
		t.Fatal("the right code worked after five wrong ones: the pending sign-up was not voided")
	}
	// A new request starts over with a new code.
	e.Must(http.StatusAccepted, post("/v1/auth/signup", signupBody(email)))
	e.Must(http.StatusCreated, post("/v1/auth/signup/confirm", map[string]any{"email": email, "code": e.LastCode(email)}))
}

func TestANewSignUpReplacesThePendingOne(t *testing.T) {
	e := apptest.New(t, nil)
	email := testenv.Email(t)
	e.Must(http.StatusAccepted, post("/v1/auth/signup", signupBody(email)))
	first := e.LastCode(email)
	e.Must(http.StatusAccepted, post("/v1/auth/signup", signupBody(email)))
	second := e.LastCode(email)
	if first != second {
		res := e.Do(post("/v1/auth/signup/confirm", map[string]any{"email": email, "code": first}))
		if res.Status != http.StatusBadRequest {
			t.Errorf("the replaced code: %d %s, want 400", res.Status, res.Body)
		}
	}
	e.Must(http.StatusCreated, post("/v1/auth/signup/confirm", map[string]any{"email": email, "code": second}))
}

func TestSignUpCodeExpires(t *testing.T) {
	e := apptest.New(t, nil)
	email := testenv.Email(t)
	e.Must(http.StatusAccepted, post("/v1/auth/signup", signupBody(email)))
	e.Clock.Advance(15*time.Minute + time.Second)
	res := e.Do(post("/v1/auth/signup/confirm", map[string]any{"email": email, "code": e.LastCode(email)}))
	if res.Status != http.StatusBadRequest || res.Code() != account.CodeCodeExpired {
		t.Errorf("code after 15 minutes: %d %s, want 400 code_expired", res.Status, res.Body)
	}
}

func TestRacingConfirmationsMakeOneAccount(t *testing.T) {
	e := apptest.New(t, nil)
	email := testenv.Email(t)
	e.Must(http.StatusAccepted, post("/v1/auth/signup", signupBody(email)))
	code := e.LastCode(email)
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			statuses[i] = e.InGoroutine().Do(post("/v1/auth/signup/confirm", map[string]any{"email": email, "code": code})).Status
		})
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusBadRequest, http.StatusConflict, http.StatusTooManyRequests:
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	if created != 1 {
		t.Fatalf("%d confirmations created an account, want 1 (statuses %v)", created, statuses)
	}
	uid, err := e.Deps.Store().LookupEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := e.Deps.Store().GetUser(context.Background(), uid); err != nil || u.Email != email {
		t.Fatalf("the address points to %q: %v", uid, err)
	}
}

func TestSignUpMailsAreLimitedPerAddress(t *testing.T) {
	e := apptest.New(t, nil)
	email := testenv.Email(t)
	for range 5 {
		e.Must(http.StatusAccepted, post("/v1/auth/signup", signupBody(email)))
	}
	res := e.Do(post("/v1/auth/signup", signupBody(email)))
	if res.Status != http.StatusTooManyRequests || res.Code() != account.CodeRateLimited || res.Header.Get("Retry-After") == "" {
		t.Errorf("sixth sign-up mail in an hour: %d %s, want 429 rate_limited with Retry-After", res.Status, res.Body)
	}
	if got := len(e.Emails(email)); got != 5 {
		t.Errorf("%d mails to the address, want 5", got)
	}
	// Another address is not affected.
	e.Must(http.StatusAccepted, post("/v1/auth/signup", signupBody(testenv.Email(t))))
}

func TestForgotAnswersAlikeForKnownAndUnknownAddresses(t *testing.T) {
	e := apptest.New(t, nil)
	known := e.SignUp(nil)
	unknown := testenv.Email(t)
	a := e.Do(post("/v1/auth/password/forgot", map[string]any{"email": known.Email}))
	b := e.Do(post("/v1/auth/password/forgot", map[string]any{"email": unknown}))
	if a.Status != http.StatusAccepted || b.Status != http.StatusAccepted || string(a.Body) != string(b.Body) {
		t.Fatalf("known: %d %s; unknown: %d %s; want the same 202 and body", a.Status, a.Body, b.Status, b.Body)
	}
	mails := e.Emails(unknown)
	if len(mails) != 1 || sixDigitLine(mails[0].Text) || !strings.Contains(mails[0].Text, "no MyProfile account uses this address") {
		t.Errorf("mail to the unknown address: %+v", mails)
	}
	e.LastCode(known.Email) // the known address got a code
}

func TestForgotForAnSSOManagedAccountPointsToTheIdentityProvider(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	st := e.Deps.Store()
	rec, err := st.GetUser(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec.SSOManaged, rec.IdPURL = true, "https://idp.example.com/login"
	rec.Version++
	if err := st.SaveUser(context.Background(), rec, rec.Version-1); err != nil {
		t.Fatal(err)
	}
	before := len(e.Emails(u.Email))
	e.Must(http.StatusAccepted, post("/v1/auth/password/forgot", map[string]any{"email": u.Email}))
	mails := e.Emails(u.Email)
	if len(mails) != before+1 {
		t.Fatalf("%d new mails, want 1", len(mails)-before)
	}
	last := mails[len(mails)-1]
	if !strings.Contains(last.Text, "https://idp.example.com/login") || sixDigitLine(last.Text) {
		t.Errorf("mail to the SSO-managed account: %q, want the identity provider's address and no code", last.Text)
	}
	res := e.Do(post("/v1/auth/password/reset", map[string]any{"email": u.Email, "code": "123456", "newPassword": "Another-Horse-77-staple"}))
	if res.Status != http.StatusBadRequest || res.Code() != account.CodeCodeInvalid {
		t.Errorf("reset of an SSO-managed account: %d %s, want 400 code_invalid", res.Status, res.Body)
	}
}

func TestResetRevokesEverySessionAndKeepsTheSecondFactor(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	secret := enrolTOTP(t, e, u)
	other := secondDevice(t, e, u, secret)

	e.Must(http.StatusAccepted, post("/v1/auth/password/forgot", map[string]any{"email": u.Email}))
	code := e.LastCode(u.Email)
	const next = "Another-Horse-77-staple"
	t.Run("the policy applies and does not use the code", func(t *testing.T) {
		res := e.Do(post("/v1/auth/password/reset", map[string]any{"email": u.Email, "code": code, "newPassword": "password"}))
		if res.Status != http.StatusBadRequest || res.Code() != account.CodeValidation {
			t.Errorf("weak password: %d %s, want 400 validation_failed", res.Status, res.Body)
		}
	})
	e.Must(http.StatusNoContent, post("/v1/auth/password/reset", map[string]any{"email": u.Email, "code": code, "newPassword": next}))

	t.Run("every session is revoked", func(t *testing.T) {
		for name, tok := range map[string]string{"first device": u.Token, "second device": other} {
			if res := e.Do(apptest.Req{Method: "GET", Path: "/v1/me", Token: tok}); res.Status != http.StatusUnauthorized {
				t.Errorf("%s after the reset: %d, want 401", name, res.Status)
			}
		}
	})
	t.Run("the code works once", func(t *testing.T) {
		res := e.Do(post("/v1/auth/password/reset", map[string]any{"email": u.Email, "code": code, "newPassword": next + "x"}))
		if res.Status != http.StatusBadRequest || res.Code() != account.CodeCodeInvalid {
			t.Errorf("second use: %d %s, want 400 code_invalid", res.Status, res.Body)
		}
	})
	t.Run("the old password no longer works", func(t *testing.T) {
		res := e.Do(post("/v1/auth/login", map[string]any{"email": u.Email, "password": u.Password}))
		if res.Status != http.StatusUnauthorized {
			t.Errorf("old password: %d, want 401", res.Status)
		}
	})
	t.Run("the next sign-in still asks for the second factor", func(t *testing.T) {
		res := e.Must(http.StatusOK, post("/v1/auth/login", map[string]any{"email": u.Email, "password": next}))
		if res.JSON()["mfaRequired"] != true || res.JSON()["session"] != nil {
			t.Errorf("sign-in after the reset answered %s, want a second-factor challenge", res.Body)
		}
	})
	t.Run("a notice is mailed and the audit log records it", func(t *testing.T) {
		mails := e.Emails(u.Email)
		if last := mails[len(mails)-1]; !strings.Contains(last.Subject, "was reset") {
			t.Errorf("last mail %q, want the reset notice", last.Subject)
		}
		tok := signInWithTOTP(t, e, u.Email, next, secret)
		log := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/audit", Token: tok})
		if !strings.Contains(string(log.Body), `"password.reset"`) {
			t.Errorf("audit log has no password.reset entry: %s", log.Body)
		}
	})
}

func TestResetCodeBruteForceIsStopped(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	e.Must(http.StatusAccepted, post("/v1/auth/password/forgot", map[string]any{"email": u.Email}))
	code := e.LastCode(u.Email)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	const next = "Another-Horse-77-staple"
	for i := 1; i <= 5; i++ {
		res := e.Do(post("/v1/auth/password/reset", map[string]any{"email": u.Email, "code": wrong, "newPassword": next}))
		want, wantCode := http.StatusBadRequest, account.CodeCodeInvalid
		if i == 5 {
			want, wantCode = http.StatusTooManyRequests, account.CodeTooManyAttempts
		}
		if res.Status != want || res.Code() != wantCode {
			t.Fatalf("wrong code %d: %d %s, want %d %s", i, res.Status, res.Body, want, wantCode)
		}
	}
	res := e.Do(post("/v1/auth/password/reset", map[string]any{"email": u.Email, "code": code, "newPassword": next}))
	if res.Status == http.StatusNoContent {
		t.Fatal("the right code worked after five wrong ones")
	}
	e.Login(u.Email, u.Password) // the password is unchanged
}

func TestForgotMailsAreLimitedPerAddress(t *testing.T) {
	e := apptest.New(t, nil)
	email := testenv.Email(t)
	for range 5 {
		e.Must(http.StatusAccepted, post("/v1/auth/password/forgot", map[string]any{"email": email}))
	}
	res := e.Do(post("/v1/auth/password/forgot", map[string]any{"email": email}))
	if res.Status != http.StatusTooManyRequests || res.Code() != account.CodeRateLimited {
		t.Errorf("sixth reset mail in an hour: %d %s, want 429 rate_limited", res.Status, res.Body)
	}
	if got := len(e.Emails(email)); got != 5 {
		t.Errorf("%d mails to the address, want 5", got)
	}
}

// enrolTOTP turns on the authenticator app for u and returns its secret.
func enrolTOTP(t *testing.T, e *apptest.Env, u apptest.User) string {
	t.Helper()
	res := e.Must(http.StatusCreated, apptest.Req{Method: "POST", Path: "/v1/me/2fa/totp", Token: u.Token, Body: map[string]any{"password": u.Password}})
	secret, _ := res.JSON()["secret"].(string)
	e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/2fa/totp/confirm", Token: u.Token, Body: map[string]any{"code": totpCode(t, secret, e.Clock.Now())}})
	return secret
}

func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatalf("totp: %v", err)
	}
	return c
}

// signInWithTOTP signs in with password and authenticator code.
func signInWithTOTP(t *testing.T, e *apptest.Env, email, pw, secret string) string {
	t.Helper()
	// A TOTP code is accepted once per time step.
	e.Clock.Advance(30 * time.Second)
	res := e.Must(http.StatusOK, post("/v1/auth/login", map[string]any{"email": email, "password": pw}))
	id, _ := res.JSON()["challengeId"].(string)
	res = e.Must(http.StatusOK, post("/v1/auth/login/mfa", map[string]any{"challengeId": id, "method": "totp", "code": totpCode(t, secret, e.Clock.Now())}))
	var out struct {
		Session struct{ Token string } `json:"session"`
	}
	res.Decode(t, &out)
	return out.Session.Token
}

// secondDevice signs u in again, as from another device.
func secondDevice(t *testing.T, e *apptest.Env, u apptest.User, secret string) string {
	t.Helper()
	return signInWithTOTP(t, e, u.Email, u.Password, secret)
}

// sixDigitLine reports whether a mail carries a code on a line of its own.
func sixDigitLine(text string) bool {
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if len(l) == 6 && strings.Trim(l, "0123456789") == "" {
			return true
		}
	}
	return false
}
