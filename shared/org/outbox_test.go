package org_test

import (
	"net/http"
	"testing"

	"github.com/example/myprofile/shared/app/apptest"
)

// Each membership change records its event in its own transaction: with
// the bus refusing every event and every separate outbox write refused,
// a committed change still has its event in the outbox (for the sweep),
// and a change whose transaction fails has none.
func TestOutboxIsWrittenWithTheChange(t *testing.T) {
	e, faults, rec := apptest.NewRefusedEvents(t, "platform")
	want := map[string]int{}
	check := func(step string) {
		t.Helper()
		got := faults.Outbox(t, e.Table)
		for typ, n := range want {
			if got[typ] != n {
				t.Fatalf("after %s: outbox %v, want %v", step, got, want)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("after %s: outbox %v, want %v", step, got, want)
		}
	}
	owner := e.SignUp(map[string]any{"orgName": "Acme"})
	admin := invite(t, e, owner.Token, "user")
	user := invite(t, e, owner.Token, "user")
	want["Member Added"] = 2
	check("two accepted invitations")

	roleReq := apptest.Req{Method: "PUT", Path: "/v1/users/" + admin.ID + "/role", Token: owner.Token, Body: map[string]any{"role": "admin"}}
	removeReq := apptest.Req{Method: "DELETE", Path: "/v1/organizations/" + owner.OrgID + "/members/" + user.ID, Token: admin.Token}
	leaveReq := apptest.Req{Method: "POST", Path: "/v1/organizations/" + owner.OrgID + "/leave", Token: admin.Token}
	deleteReq := apptest.Req{Method: "DELETE", Path: "/v1/me", Token: owner.Token, Body: map[string]any{"password": owner.Password, "confirm": "DELETE"}}

	faults.FailTransact.Store(true)
	for _, r := range []apptest.Req{roleReq} {
		if res := e.Do(r); res.Status < 500 {
			t.Fatalf("%s %s with transactions failing: %d, want 5xx", r.Method, r.Path, res.Status)
		}
	}
	faults.FailTransact.Store(false)
	check("a role change whose transaction failed")

	e.Must(http.StatusOK, roleReq)
	want["Member Role Changed"] = 1
	check("a role change")

	faults.FailTransact.Store(true)
	for _, r := range []apptest.Req{removeReq, leaveReq} {
		if res := e.Do(r); res.Status < 500 {
			t.Fatalf("%s %s with transactions failing: %d, want 5xx", r.Method, r.Path, res.Status)
		}
	}
	faults.FailTransact.Store(false)
	check("a removal and a departure whose transactions failed")

	e.Must(http.StatusNoContent, removeReq)
	e.Must(http.StatusNoContent, leaveReq)
	want["Member Removed"] = 2
	check("a removal and a departure")

	faults.FailTransact.Store(true)
	if res := e.Do(deleteReq); res.Status < 500 {
		t.Fatalf("account deletion with transactions failing: %d, want 5xx", res.Status)
	}
	faults.FailTransact.Store(false)
	check("an account deletion whose transaction failed")

	e.Must(http.StatusNoContent, deleteReq)
	want["Organization Deleted"] = 1
	want["User Deleted"] = 1
	check("the owner's account deletion")
	if n := len(rec.Events()); n != 0 {
		t.Fatalf("recorded %d events from a refused source", n)
	}
}
