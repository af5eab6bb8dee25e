package audit_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/audit"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestPseudonymIsStableAndHidesTheID(t *testing.T) {
	key := []byte("k")
	a, b := audit.Pseudonym(key, "user-1"), audit.Pseudonym(key, "user-1")
	if a != b {
		t.Fatalf("pseudonym not stable: %q vs %q", a, b)
	}
	if a == audit.Pseudonym(key, "user-2") {
		t.Fatal("two ids share a pseudonym")
	}
	if a == audit.Pseudonym([]byte("other"), "user-1") {
		t.Fatal("pseudonym does not depend on the key")
	}
}

func TestSignupAndRevocationsAreRecorded(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	e.Login(u.Email, u.Password)
	e.Clock.Advance(time.Second) // the test clock stands still otherwise; entries order by time
	e.Must(http.StatusNoContent, apptest.Req{Method: "POST", Path: "/v1/me/sessions/revoke", Token: u.Token, Body: map[string]any{"scope": "others"}})

	page, err := e.Deps.Store().ListUserAudit(context.Background(), u.ID, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, x := range page.Entries {
		actions = append(actions, x.Action)
		if x.Actor != u.ID || x.Subject != u.ID || x.RequestID == "" || x.IP == "" || x.At.IsZero() {
			t.Errorf("entry %+v lacks actor, subject, request id, IP or time", x)
		}
	}
	want := []string{audit.ActionSessionsRevoked, audit.ActionSignedUp} // newest first
	if len(actions) != len(want) || actions[0] != want[0] || actions[1] != want[1] {
		t.Fatalf("actions = %v, want %v", actions, want)
	}
	if page.Entries[0].Details["count"] != "1" {
		t.Errorf("revocation details = %v, want count 1", page.Entries[0].Details)
	}
	if page.Entries[1].OrgID != u.OrgID {
		t.Errorf("signup entry org = %q, want %q", page.Entries[1].OrgID, u.OrgID)
	}

	t.Run("pages follow the cursor", func(t *testing.T) {
		e := e.For(t)
		p1, err := e.Deps.Store().ListUserAudit(context.Background(), u.ID, "", 1)
		if err != nil || len(p1.Entries) != 1 || p1.Next == "" {
			t.Fatalf("first page = %+v, %v", p1, err)
		}
		p2, err := e.Deps.Store().ListUserAudit(context.Background(), u.ID, p1.Next, 1)
		if err != nil || len(p2.Entries) != 1 || p2.Entries[0].ID == p1.Entries[0].ID {
			t.Fatalf("second page = %+v, %v", p2, err)
		}
		if _, err := e.Deps.Store().ListUserAudit(context.Background(), "someone-else", p1.Next, 1); err != audit.ErrBadCursor {
			t.Fatalf("cursor of another user: err = %v, want ErrBadCursor", err)
		}
	})
}
