package twofactor_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/example/myprofile/shared/app/apptest"
)

// Wrong second factors sent in parallel (over two challenges, within each
// challenge's 5 tries) against a per-user limit of L: each is counted
// before the check, so at most L are checked (mfa_invalid) and the rest
// get 429 rate_limited.
func TestParallelWrongSecondFactorsGetAtMostLimitChecks(t *testing.T) {
	const limit = 3
	e := apptest.New(t, &apptest.Options{Env: map[string]string{"LOGIN_MAX_FAILURES": "3"}})
	u := e.SignUp(nil)
	secret, _ := enrolTOTP(t, e, u)
	e.Clock.Advance(30 * time.Second)
	right := mustCode(t, secret, e.Clock.Now())
	cs := []challenge{mustChallenge(t, e, u), mustChallenge(t, e, u)}
	var reqs []func() *apptest.Response
	for _, c := range cs {
		for i := range 5 {
			code := fmt.Sprintf("%06d", i)
			if code == right {
				code = "999999"
			}
			reqs = append(reqs, func() *apptest.Response { return second(e, c, "totp", code) })
		}
	}
	statuses := make([]int, len(reqs))
	codes := make([]string, len(reqs))
	var wg sync.WaitGroup
	for i, do := range reqs {
		wg.Go(func() {
			res := do()
			statuses[i], codes[i] = res.Status, res.Code()
		})
	}
	wg.Wait()
	checked, refused := 0, 0
	for i := range statuses {
		switch {
		case statuses[i] == http.StatusUnauthorized && codes[i] == "mfa_invalid":
			checked++
		case statuses[i] == http.StatusTooManyRequests && codes[i] == "rate_limited":
			refused++
		default:
			t.Errorf("unexpected answer %d %s", statuses[i], codes[i])
		}
	}
	if checked > limit || checked+refused != len(reqs) {
		t.Errorf("%d wrong codes in parallel: %d checked (mfa_invalid), %d refused (429); want at most %d checked", len(reqs), checked, refused, limit)
	}
	res := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": u.Password}})
	if res.Status != http.StatusTooManyRequests {
		t.Errorf("sign-in after the limit: %d %s, want 429", res.Status, res.Body)
	}
}

// A right second factor gives its attempt back: only wrong ones count.
func TestRightSecondFactorsDoNotCount(t *testing.T) {
	e := apptest.New(t, &apptest.Options{Env: map[string]string{"LOGIN_MAX_FAILURES": "3"}})
	u := e.SignUp(nil)
	secret, _ := enrolTOTP(t, e, u)
	c := mustChallenge(t, e, u)
	for _, code := range []string{"000000", "111111"} {
		if code == mustCode(t, secret, e.Clock.Now()) {
			code = "999999"
		}
		wantMFAInvalid(t, second(e, c, "totp", code), "wrong code")
	}
	for i := range 3 {
		e.Clock.Advance(30 * time.Second)
		c := mustChallenge(t, e, u)
		wantSession(t, e, second(e, c, "totp", mustCode(t, secret, e.Clock.Now())), fmt.Sprintf("right code %d after 2 wrong ones (limit 3)", i+1))
	}
}
