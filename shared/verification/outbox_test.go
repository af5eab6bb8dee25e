package verification_test

import (
	"net/http"
	"testing"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app/apptest"
)

// A confirmed email or phone change records its event in the confirming
// transaction: with every separate outbox write refused and the bus
// refusing every event, the event is still in the outbox for the sweep; a
// confirmation whose transaction fails records none.
func TestChangeEventIsWrittenWithTheChange(t *testing.T) {
	e, faults, rec := apptest.NewRefusedEvents(t, "default")
	outbox := func() map[string]int {
		t.Helper()
		return faults.Outbox(t, e.Table)
	}
	u := e.SignUp(nil)
	newCode, currentCode := requestEmailChange(t, e, u, testenv.Email(t))
	faults.FailTransact.Store(true)
	if res := confirmEmail(e, u, newCode, currentCode); res.Status < 500 {
		t.Fatalf("confirm with the transaction failing: %d %s, want 5xx", res.Status, res.Body)
	}
	faults.FailTransact.Store(false)
	if got := outbox(); len(got) != 0 {
		t.Fatalf("outbox after a failed confirmation: %v, want empty", got)
	}
	if res := confirmEmail(e, u, newCode, currentCode); res.Status != http.StatusOK {
		t.Fatalf("confirm: %d %s", res.Status, res.Body)
	}
	if got := outbox(); got["User Email Changed"] != 1 || len(got) != 1 {
		t.Fatalf("outbox after the confirmation: %v, want one User Email Changed", got)
	}

	e164, written := phoneNumber(t)
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token,
		Body: map[string]any{"phone": written, "password": u.Password}})
	code := mustCode(t, e.SMS(e164)[0].Message)
	confirm := apptest.Req{Method: "POST", Path: "/v1/me/phone-change/confirm", Token: u.Token, Body: map[string]any{"code": code}}
	faults.FailTransact.Store(true)
	if res := e.Do(confirm); res.Status < 500 {
		t.Fatalf("phone confirm with the transaction failing: %d %s, want 5xx", res.Status, res.Body)
	}
	faults.FailTransact.Store(false)
	if got := outbox(); got["User Phone Changed"] != 0 {
		t.Fatalf("outbox after a failed phone confirmation: %v", got)
	}
	e.Must(http.StatusOK, confirm)
	if got := outbox(); got["User Phone Changed"] != 1 || got["User Email Changed"] != 1 {
		t.Fatalf("outbox after the phone confirmation: %v, want one of each", got)
	}
	if n := len(rec.Events()); n != 0 {
		t.Fatalf("recorded %d events from a refused source", n)
	}
}
