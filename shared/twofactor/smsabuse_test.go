package twofactor_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/phone/libphone"
)

// Issue 18, SMS toll fraud, at sign-in. These tests speak HTTP (and set
// the user record directly), so they ran, and failed, against the code
// before the SMS guard.

// mustSMSUser signs up a user whose verified phone is phone and whose
// only second factor is SMS, written directly as a record from before the
// guard would be.
func mustSMSUser(t *testing.T, e *apptest.Env, phone string) apptest.User {
	t.Helper()
	u := e.SignUp(nil)
	st := e.Deps.Store()
	rec, err := st.GetUser(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	next := rec
	next.Phone, next.PhoneVerified, next.Version = phone, true, rec.Version+1
	libphone.Complete(&next) // type and country, as the phone change stores them
	next.TwoFactor.Enabled, next.TwoFactor.Methods = true, []string{"sms"}
	if err := st.SaveUser(t.Context(), next, rec.Version); err != nil {
		t.Fatal(err)
	}
	return u
}

func sendSMS(e *apptest.Env, c challenge) *apptest.Response {
	return e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login/mfa/sms", Body: map[string]any{"challengeId": c.ChallengeID}})
}

// One account gets at most 5 sign-in codes an hour, over any number of
// sign-ins (each allows 3).
func TestSignInSMSLimitedPerAccount(t *testing.T) {
	e := apptest.New(t, nil)
	phone := mobile(t)
	u := mustSMSUser(t, e, phone)
	sent := 0
	for sent < 5 {
		c := mustChallenge(t, e, u)
		for range 3 {
			if sent == 5 {
				break
			}
			e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/auth/login/mfa/sms", Body: map[string]any{"challengeId": c.ChallengeID}})
			sent++
		}
	}
	res := sendSMS(e, mustChallenge(t, e, u))
	if res.Status != http.StatusTooManyRequests || res.Code() != "rate_limited" || res.Header.Get("Retry-After") == "" {
		t.Fatalf("6th text message in an hour: %d %s (Retry-After %q), want 429 rate_limited with Retry-After", res.Status, res.Body, res.Header.Get("Retry-After"))
	}
	if got := len(e.SMS(phone)); got != 5 {
		t.Errorf("%d text messages sent, want 5", got)
	}
}

// Premium-rate, satellite and landline numbers get no sign-in code.
func TestSignInSMSRefusedToNumbersThatAreNotMobile(t *testing.T) {
	e := apptest.New(t, nil)
	for _, tc := range []struct{ name, phone string }{
		{"Spanish premium rate (806)", "+34806123456"},
		{"UK premium rate (909)", "+449098790000"},
		{"satellite (+881)", "+881612345678"},
		{"Spanish landline", "+34912345678"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := mustSMSUser(t, e, tc.phone)
			res := sendSMS(e, mustChallenge(t, e, u))
			if res.Status != http.StatusBadRequest || res.Code() != "validation_failed" || !namesField(res, "phone") {
				t.Fatalf("sign-in code to %s: %d %s, want 400 naming phone", tc.phone, res.Status, res.Body)
			}
			if got := len(e.SMS(tc.phone)); got != 0 {
				t.Errorf("%d text messages sent", got)
			}
		})
	}
}

// A phone verified before its type was stored with it gets no sign-in
// code (no parser runs where codes are sent, and such numbers were never
// checked against toll fraud): 400 naming phone, saying to verify it
// again. Verifying the same number again stores its type, and codes go.
func TestSignInSMSToAPhoneOfUnknownTypeWaitsForAVerification(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	num := mobile(t)
	st := e.Deps.Store()
	rec, err := st.GetUser(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	next := rec
	next.Phone, next.PhoneVerified, next.Version = num, true, rec.Version+1 // no PhoneType, PhoneCountry
	next.TwoFactor.Enabled, next.TwoFactor.Methods = true, []string{"sms"}
	if err := st.SaveUser(t.Context(), next, rec.Version); err != nil {
		t.Fatal(err)
	}
	res := sendSMS(e, mustChallenge(t, e, u))
	if res.Status != http.StatusBadRequest || !namesField(res, "phone") || !strings.Contains(string(res.Body), "verify it again") {
		t.Fatalf("sign-in code to a phone of unknown type: %d %s, want 400 naming phone, asking to verify it again", res.Status, res.Body)
	}
	if got := len(e.SMS(num)); got != 0 {
		t.Fatalf("%d text messages sent", got)
	}
	// The same number verified again (the phone function).
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token, Body: map[string]any{"phone": num, "password": u.Password}})
	msgs := e.SMS(num)
	if len(msgs) != 1 {
		t.Fatalf("%d text messages to %s, want the phone change's code", len(msgs), num)
	}
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(msgs[0].Message)
	e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/phone-change/confirm", Token: u.Token, Body: map[string]any{"code": code}})
	if rec, err := st.GetUser(t.Context(), u.ID); err != nil || rec.PhoneType != "mobile" || rec.PhoneCountry != "ES" {
		t.Fatalf("after verifying again: type %q country %q (%v), want mobile ES", rec.PhoneType, rec.PhoneCountry, err)
	}
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/auth/login/mfa/sms", Body: map[string]any{"challengeId": mustChallenge(t, e, u).ChallengeID}})
}

func namesField(res *apptest.Response, field string) bool {
	errs, _ := res.JSON()["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["field"] == field {
			return true
		}
	}
	return false
}

// mobile returns a random Spanish mobile number (E.164).
func mobile(t *testing.T) string {
	t.Helper()
	return fmt.Sprintf("+346%08d", rand.IntN(100_000_000))
}
