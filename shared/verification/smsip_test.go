package verification_test

import (
	"net/http"
	"testing"

	"github.com/example/myprofile/shared/app/apptest"
)

// Text messages are limited per client IP too (10 an hour), not only per
// user: many accounts from one client cannot send SMS without end (toll
// fraud). Each user stays under its own limit of 5.
func TestPhoneChangeSMSLimitedPerClientIP(t *testing.T) {
	e := apptest.New(t, nil)
	const perIP = 10
	sent := 0
	for sent < perIP {
		u := e.SignUp(nil)
		for range 4 {
			if sent == perIP {
				break
			}
			num, _ := phoneNumber(t)
			e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token, Body: map[string]any{"phone": num, "password": u.Password}})
			sent++
		}
	}
	u := e.SignUp(nil)
	num, _ := phoneNumber(t)
	res := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token, Body: map[string]any{"phone": num, "password": u.Password}})
	wantProblem(t, res, http.StatusTooManyRequests, "rate_limited")
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if got := e.SMS(num); len(got) != 0 {
		t.Errorf("%d text messages sent over the per-IP limit", len(got))
	}
}
