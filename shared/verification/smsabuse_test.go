package verification_test

import (
	"net/http"
	"testing"

	"github.com/example/myprofile/shared/app/apptest"
)

// Issue 18, SMS toll fraud. These tests speak HTTP only, so they ran (and
// failed) against the code before the SMS guard.

// wantFieldProblem fails unless res is 400 validation_failed naming field.
func wantFieldProblem(t *testing.T, res *apptest.Response, field string) {
	t.Helper()
	wantProblem(t, res, http.StatusBadRequest, "validation_failed")
	errs, _ := res.JSON()["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["field"] == field {
			return
		}
	}
	t.Fatalf("400 without a problem naming %q: %s", field, res.Body)
}

func wantRateLimited(t *testing.T, res *apptest.Response) {
	t.Helper()
	wantProblem(t, res, http.StatusTooManyRequests, "rate_limited")
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

// Premium-rate, satellite and landline numbers receive no code: 400
// naming the field, and nothing is texted.
func TestPhoneChangeRefusesNumbersThatAreNotMobile(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	for _, tc := range []struct{ name, number string }{
		{"Spanish premium rate (806)", "+34 806 123 456"},
		{"UK premium rate (909)", "+44 909 879 0000"},
		{"satellite (+881)", "+881 6 1234 5678"},
		{"Spanish landline", "+34 912 34 56 78"},
		{"UK landline", "+44 20 7123 4567"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token, Body: map[string]any{"phone": tc.number, "password": u.Password}})
			wantFieldProblem(t, res, "phone")
		})
	}
	for _, n := range []string{"+34806123456", "+449098790000", "+881612345678", "+34912345678", "+442071234567"} {
		if got := e.SMS(n); len(got) != 0 {
			t.Errorf("%d text messages sent to %s", len(got), n)
		}
	}
}

// With an allow-list of countries, other countries' mobiles are refused.
func TestPhoneChangeOnlyToAllowedCountries(t *testing.T) {
	e := apptest.New(t, &apptest.Options{Env: map[string]string{"SMS_COUNTRIES": "ES,PT"}})
	u := e.SignUp(nil)
	res := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token, Body: map[string]any{"phone": "+44 7911 123456", "password": u.Password}})
	wantFieldProblem(t, res, "phone")
	num, _ := phoneNumber(t)
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token, Body: map[string]any{"phone": num, "password": u.Password}})
}

// One number gets at most 5 codes a day, whichever accounts ask.
func TestPhoneChangeSMSLimitedPerDestination(t *testing.T) {
	e := apptest.New(t, nil)
	num, _ := phoneNumber(t)
	for i := range 5 {
		u := e.SignUp(nil)
		res := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token, Body: map[string]any{"phone": num, "password": u.Password}})
		if res.Status != http.StatusAccepted {
			t.Fatalf("code %d to the number: %d %s", i+1, res.Status, res.Body)
		}
	}
	u := e.SignUp(nil)
	wantRateLimited(t, e.Do(apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token, Body: map[string]any{"phone": num, "password": u.Password}}))
	if got := e.SMS(num); len(got) != 5 {
		t.Errorf("%d text messages to the number, want 5", len(got))
	}
	// A refusal uses up nothing else: the account can still text another number.
	other, _ := phoneNumber(t)
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token, Body: map[string]any{"phone": other, "password": u.Password}})
}

// The daily budget of text messages holds for everyone together.
func TestPhoneChangeSMSDailyBudget(t *testing.T) {
	e := apptest.New(t, &apptest.Options{Env: map[string]string{"SMS_DAILY_BUDGET": "2"}})
	for range 2 {
		u := e.SignUp(nil)
		num, _ := phoneNumber(t)
		e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token, Body: map[string]any{"phone": num, "password": u.Password}})
	}
	u := e.SignUp(nil)
	num, _ := phoneNumber(t)
	wantRateLimited(t, e.Do(apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token, Body: map[string]any{"phone": num, "password": u.Password}}))
	if got := e.SMS(num); len(got) != 0 {
		t.Errorf("%d text messages over the budget", len(got))
	}
}
