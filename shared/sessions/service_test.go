package sessions_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/sessions"
	"github.com/example/myprofile/shared/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is a sessions service on a fresh table, with a settable clock.
type env struct {
	svc   *sessions.Service
	store *store.Store
	now   time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, table := testenv.DynamoDB(t)
	e := &env{store: store.New(db, table), now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return e.now }
	e.svc = &sessions.Service{Store: e.store, Now: clock, IdleTTL: 24 * time.Hour, AbsoluteTTL: 72 * time.Hour,
		Audit: audit.Recorder{Store: e.store, Now: clock}}
	return e
}

// mustSession signs userID in on a new device.
func (e *env) mustSession(t *testing.T, userID, device string) sessions.Session {
	t.Helper()
	s, _, err := e.svc.Create(context.Background(), userID, device, "192.0.2.1")
	if err != nil {
		t.Fatalf("create session: %v", err)
	}
	return s
}

// ids lists the ids of userID's live sessions, most recent first.
func (e *env) ids(t *testing.T, p sessions.Principal) []string {
	t.Helper()
	list, err := e.svc.List(context.Background(), p)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	var out []string
	for _, s := range list {
		out = append(out, s.ID)
	}
	return out
}

// actions are the audit actions recorded about userID, newest first.
func (e *env) actions(t *testing.T, userID string) []string {
	t.Helper()
	page, err := e.store.ListUserAudit(context.Background(), userID, "", 20)
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	var out []string
	for _, en := range page.Entries {
		out = append(out, en.Action)
	}
	return out
}

// Revoke called directly: only the user's own sessions can be revoked, and
// each revocation is recorded.
func TestServiceRevoke(t *testing.T) {
	tests := []struct {
		name string
		// id picks the session id to revoke as Ada, given Ada's and Bob's.
		id       func(ada, bob sessions.Session) string
		wantErr  error
		wantLeft int // Ada's sessions afterwards
	}{
		{"own session is revoked", func(ada, _ sessions.Session) string { return ada.ID }, nil, 1},
		{"another user's session is not found", func(_, bob sessions.Session) string { return bob.ID }, sessions.ErrNoSession, 2},
		{"unknown id is not found", func(_, _ sessions.Session) string { return strings.Repeat("0", 32) }, sessions.ErrNoSession, 2},
		{"malformed id is not found", func(_, _ sessions.Session) string { return "../x" }, sessions.ErrNoSession, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ada := account.User{ID: "user-ada"}
			current := e.mustSession(t, ada.ID, "laptop")
			phone := e.mustSession(t, ada.ID, "phone")
			bob := e.mustSession(t, "user-bob", "tablet")
			err := e.svc.Revoke(context.Background(), ada, tc.id(phone, bob))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			p := sessions.Principal{User: ada, Session: current}
			if left := e.ids(t, p); len(left) != tc.wantLeft {
				t.Errorf("Ada has %d sessions, want %d", len(left), tc.wantLeft)
			}
			if left := e.ids(t, sessions.Principal{User: account.User{ID: "user-bob"}, Session: bob}); len(left) != 1 {
				t.Errorf("Bob has %d sessions, want 1", len(left))
			}
			recorded := e.actions(t, ada.ID)
			if wantAudit := tc.wantErr == nil; (len(recorded) == 1 && recorded[0] == audit.ActionSessionRevoked) != wantAudit {
				t.Errorf("audit %v; want one %s entry: %v", recorded, audit.ActionSessionRevoked, wantAudit)
			}
		})
	}
}

// RevokeMany called directly: the scopes, and a scope it does not know.
func TestServiceRevokeMany(t *testing.T) {
	tests := []struct {
		name      string
		scope     string
		wantCount int
		wantLeft  int
		wantCode  string
	}{
		{"others keeps the current session", "others", 2, 1, ""},
		{"all ends every session", "all", 3, 0, ""},
		{"unknown scope is refused", "mine", 0, 3, account.CodeValidation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ada := account.User{ID: "user-ada"}
			current := e.mustSession(t, ada.ID, "laptop")
			e.mustSession(t, ada.ID, "phone")
			e.mustSession(t, ada.ID, "tablet")
			p := sessions.Principal{User: ada, Session: current}
			n, err := e.svc.RevokeMany(context.Background(), p, tc.scope)
			if code := account.AsError(err).Code; err != nil && code != tc.wantCode || err == nil && tc.wantCode != "" {
				t.Fatalf("got %v, want code %q", err, tc.wantCode)
			}
			if n != tc.wantCount {
				t.Errorf("revoked %d, want %d", n, tc.wantCount)
			}
			left := e.ids(t, p)
			if len(left) != tc.wantLeft {
				t.Errorf("%d sessions left, want %d", len(left), tc.wantLeft)
			}
			if tc.scope == "others" && (len(left) != 1 || left[0] != current.ID) {
				t.Errorf("left %v, want only the current session %s", left, current.ID)
			}
		})
	}
}

// List called directly: most recently used first, the caller's marked
// current, expired sessions left out.
func TestServiceList(t *testing.T) {
	e := newEnv(t)
	ada := account.User{ID: "user-ada"}
	old := e.mustSession(t, ada.ID, "old laptop")
	e.now = e.now.Add(2 * time.Hour)
	phone := e.mustSession(t, ada.ID, "phone")
	e.now = e.now.Add(time.Hour)
	current := e.mustSession(t, ada.ID, "laptop")
	list, err := e.svc.List(context.Background(), sessions.Principal{User: ada, Session: phone})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].ID != current.ID || list[1].ID != phone.ID || list[2].ID != old.ID {
		t.Fatalf("got %+v, want laptop, phone, old laptop", list)
	}
	if list[0].Current || !list[1].Current || list[2].Current {
		t.Errorf("current flags %v %v %v, want only the phone's", list[0].Current, list[1].Current, list[2].Current)
	}
	// The old laptop's idle limit passes; the others were used later.
	e.now = old.LastSeenAt.Add(24*time.Hour + time.Minute)
	if got := e.ids(t, sessions.Principal{User: ada, Session: phone}); len(got) != 2 || got[0] != current.ID || got[1] != phone.ID {
		t.Errorf("after the old session expired: %v, want [%s %s]", got, current.ID, phone.ID)
	}
}
