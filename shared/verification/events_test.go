package verification_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app/apptest"
)

// A confirmed email or phone change publishes one event with the user's id
// only; a refused confirmation publishes none.
func TestChangeEvents(t *testing.T) {
	e, rec := apptest.NewWithEvents(t, map[string]string{"EVENT_BUS_NAME": "default"}, nil)
	count := func(detailType, uid string) int {
		n := 0
		for _, ev := range rec.Events() {
			var d map[string]any
			if err := json.Unmarshal(ev.Detail, &d); err != nil {
				t.Fatal(err)
			}
			if ev.DetailType == detailType && d["userId"] == uid {
				if len(d) != 4 { // userId, eventId, occurredAt, requestId: no address
					t.Errorf("%s detail carries more than ids: %s", detailType, ev.Detail)
				}
				n++
			}
		}
		return n
	}
	u := e.SignUp(nil)
	newEmail := testenv.Email(t)
	newCode, currentCode := requestEmailChange(t, e, u, newEmail)
	wantProblem(t, confirmEmail(e, u, wrong(newCode), currentCode), http.StatusBadRequest, "code_invalid")
	if n := count("User Email Changed", u.ID); n != 0 {
		t.Fatalf("events after a refused confirmation: %d, want 0", n)
	}
	if res := confirmEmail(e, u, newCode, currentCode); res.Status != http.StatusOK {
		t.Fatalf("confirm: %d %s", res.Status, res.Body)
	}
	if n := count("User Email Changed", u.ID); n != 1 {
		t.Fatalf("User Email Changed events = %d, want 1", n)
	}

	e164, written := phoneNumber(t)
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token,
		Body: map[string]any{"phone": written, "password": u.Password}})
	code := mustCode(t, e.SMS(e164)[0].Message)
	e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/phone-change/confirm", Token: u.Token, Body: map[string]any{"code": code}})
	if n := count("User Phone Changed", u.ID); n != 1 {
		t.Fatalf("User Phone Changed events = %d, want 1", n)
	}
}
