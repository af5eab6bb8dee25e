package twofactor_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/example/myprofile/shared/app/apptest"
)

// lockoutMail is in the subject of the mail sent once the second factors
// are locked the first time.
const lockoutMail = "may know your password"

// signIn is the password step: a challenge (200) or a refusal (429).
func signIn(e *apptest.Env, u apptest.User) *apptest.Response {
	return e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": u.Password}})
}

// wantLocked checks the sign-in is refused with 429 rate_limited and a
// Retry-After close to want.
func wantLocked(t *testing.T, e *apptest.Env, u apptest.User, want time.Duration, what string) {
	t.Helper()
	res := signIn(e, u)
	if res.Status != http.StatusTooManyRequests || res.Code() != "rate_limited" {
		t.Fatalf("%s: sign-in %d %s, want 429 rate_limited", what, res.Status, res.Body)
	}
	secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil {
		t.Fatalf("%s: Retry-After %q", what, res.Header.Get("Retry-After"))
	}
	if got := time.Duration(secs) * time.Second; got < want-time.Minute || got > want+time.Minute {
		t.Errorf("%s: Retry-After %v, want about %v", what, got, want)
	}
}

// wrongTOTPs sends n wrong authenticator codes on one sign-in.
func wrongTOTPs(t *testing.T, e *apptest.Env, u apptest.User, secret string, n int) {
	t.Helper()
	c := mustChallenge(t, e, u)
	for i := range n {
		code := fmt.Sprintf("%06d", i)
		if code == mustCode(t, secret, e.Clock.Now()) {
			code = "999999"
		}
		wantMFAInvalid(t, second(e, c, "totp", code), fmt.Sprintf("wrong code %d", i+1))
	}
}

// Each exhausted window of wrong second factors locks them for twice as
// long as the last (15 min, 30 min, 1 h, ...), a successful sign-in starts
// over, and the first lock mails the user once.
func TestWrongSecondFactorsLockLongerEachTime(t *testing.T) {
	const limit = 3
	e := apptest.New(t, &apptest.Options{Env: map[string]string{"LOGIN_MAX_FAILURES": strconv.Itoa(limit)}})
	u := e.SignUp(nil)
	secret, _ := enrolTOTP(t, e, u)
	e.Clock.Advance(30 * time.Second)

	locks := []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour}
	for i, lock := range locks {
		wrongTOTPs(t, e, u, secret, limit)
		wantLocked(t, e, u, lock, fmt.Sprintf("window %d exhausted", i+1))
		e.Clock.Advance(lock - 2*time.Minute)
		wantLocked(t, e, u, 2*time.Minute, fmt.Sprintf("lock %d nearly over", i+1))
		e.Clock.Advance(2 * time.Minute)
	}
	if n := countContaining(subjects(e, u.Email), lockoutMail); n != 1 {
		t.Errorf("%d mails saying someone may know the password, want 1 (at the first lock): %v", n, subjects(e, u.Email))
	}

	// A right code signs in and starts the escalation over.
	wantSession(t, e, second(e, mustChallenge(t, e, u), "totp", mustCode(t, secret, e.Clock.Now())), "right code after the locks")
	e.Clock.Advance(30 * time.Second)
	wrongTOTPs(t, e, u, secret, limit)
	wantLocked(t, e, u, 15*time.Minute, "window exhausted after a successful sign-in")
	e.Clock.Advance(15 * time.Minute)
	mustChallenge(t, e, u)
}

// Wrong SMS sign-in codes escalate the same way, and a sign-in SMS is not
// sent while the factors are locked.
func TestWrongSMSCodesLockLongerEachTime(t *testing.T) {
	const limit = 3
	e := apptest.New(t, &apptest.Options{Env: map[string]string{"LOGIN_MAX_FAILURES": strconv.Itoa(limit)}})
	u := e.SignUp(nil)
	// A mobile number: sign-in codes are texted to mobiles only (SMS guard).
	phone := mobile(t)
	st := e.Deps.Store()
	rec, err := st.GetUser(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	next := rec
	next.Phone, next.PhoneVerified, next.Version = phone, true, rec.Version+1
	if err := st.SaveUser(context.Background(), next, rec.Version); err != nil {
		t.Fatal(err)
	}
	e.Must(http.StatusNoContent, apptest.Req{Method: "POST", Path: "/v1/me/2fa/sms", Token: u.Token, Body: map[string]any{"password": u.Password}})

	wrongSMS := func(what string) {
		t.Helper()
		c := mustChallenge(t, e, u)
		e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/auth/login/mfa/sms", Body: map[string]any{"challengeId": c.ChallengeID}})
		msgs := e.SMS(phone)
		code := regexp.MustCompile(`\b\d{6}\b`).FindString(msgs[len(msgs)-1].Message)
		for i := range limit {
			wrong := fmt.Sprintf("%06d", i)
			if wrong == code {
				wrong = "999999"
			}
			wantMFAInvalid(t, second(e, c, "sms", wrong), what)
		}
		// The challenge is still live, but no code is sent while locked.
		res := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login/mfa/sms", Body: map[string]any{"challengeId": c.ChallengeID}})
		if res.Status != http.StatusTooManyRequests {
			t.Errorf("%s: SMS while locked: %d %s, want 429", what, res.Status, res.Body)
		}
	}
	wrongSMS("first window")
	wantLocked(t, e, u, 15*time.Minute, "first window exhausted")
	e.Clock.Advance(15 * time.Minute)
	wrongSMS("second window")
	wantLocked(t, e, u, 30*time.Minute, "second window exhausted")
	e.Clock.Advance(29 * time.Minute)
	wantLocked(t, e, u, time.Minute, "second lock nearly over")
	e.Clock.Advance(time.Minute)
	mustChallenge(t, e, u)
	if n := countContaining(subjects(e, u.Email), lockoutMail); n != 1 {
		t.Errorf("%d mails saying someone may know the password, want 1: %v", n, subjects(e, u.Email))
	}
}
