package orgdb_test

import (
	"errors"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/org"
	"github.com/example/myprofile/shared/sessions"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/orgdb"
	"github.com/example/myprofile/shared/store/storetest"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var now = time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC)

func newStore(t *testing.T) *orgdb.Store {
	t.Helper()
	db, table := testenv.DynamoDB(t)
	return orgdb.New(store.New(db, table))
}

func newSession(t *testing.T, uid string) sessions.Session { return storetest.Session(t, uid, now) }

// mustOwner signs up a user owning a new organization; it returns the user
// and the organization's id.
func mustOwner(t *testing.T, s *orgdb.Store) (account.User, string) {
	t.Helper()
	id, oid := storetest.Owner(t, s.Store, now, "")
	u, err := s.GetUser(t.Context(), id)
	if err != nil {
		t.Fatalf("get user: %v", err)
	}
	return u, oid
}

func mustRoster(t *testing.T, s *orgdb.Store, oid string) org.Roster {
	t.Helper()
	r, err := s.GetRoster(t.Context(), oid)
	if err != nil {
		t.Fatalf("roster: %v", err)
	}
	return r
}

// joined is u with a membership in oid and the next version.
func joined(u account.User, oid, role string) account.User {
	n := u
	n.Orgs = map[string]account.Membership{}
	for k, v := range u.Orgs {
		n.Orgs[k] = v
	}
	n.Orgs[oid] = account.Membership{Role: role, JoinedAt: now}
	n.Version++
	return n
}

func left(u account.User, oid string) account.User {
	n := joined(u, oid, "")
	delete(n.Orgs, oid)
	return n
}

func TestRosterAndMemberships(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	owner, oid := mustOwner(t, s)
	other, _ := mustOwner(t, s)
	t.Run("unknown organization is ErrNotFound", func(t *testing.T) {
		if _, err := s.GetRoster(ctx, "nope"); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	})
	r := mustRoster(t, s, oid)
	if r.Org.ID != oid || len(r.Members) != 1 || r.Members[0].UserID != owner.ID || r.Rev != 0 {
		t.Fatalf("roster of a new organization = %+v", r)
	}
	t.Run("a membership bumps the revision", func(t *testing.T) {
		n := joined(other, oid, account.RoleUser)
		if err := s.PutMembership(ctx, n, other.Version, oid, 0); err != nil {
			t.Fatal(err)
		}
		other = n
		r := mustRoster(t, s, oid)
		if r.Rev != 1 || len(r.Members) != 2 {
			t.Errorf("rev %d, %d members; want 1, 2", r.Rev, len(r.Members))
		}
	})
	t.Run("a stale revision is ErrConflict and writes nothing", func(t *testing.T) {
		n := joined(other, oid, account.RoleAdmin)
		if err := s.PutMembership(ctx, n, other.Version, oid, 0); !errors.Is(err, account.ErrConflict) {
			t.Fatalf("err = %v, want ErrConflict", err)
		}
		if got, _ := s.GetUser(ctx, other.ID); got.Version != other.Version || got.Orgs[oid].Role != account.RoleUser {
			t.Errorf("user changed: v%d %+v", got.Version, got.Orgs[oid])
		}
	})
	t.Run("a stale user version is ErrConflict", func(t *testing.T) {
		n := joined(other, oid, account.RoleAdmin)
		n.Version = other.Version // follows the stale version
		if err := s.PutMembership(ctx, n, other.Version-1, oid, 1); !errors.Is(err, account.ErrConflict) {
			t.Fatalf("err = %v, want ErrConflict", err)
		}
	})
	t.Run("a user without the membership is refused", func(t *testing.T) {
		if err := s.PutMembership(ctx, left(other, oid), other.Version, oid, 1); err == nil {
			t.Error("PutMembership of a user outside the organization succeeded")
		}
	})
	t.Run("removal deletes the member item and the alert, bumps the revision", func(t *testing.T) {
		n := left(other, oid)
		if err := s.RemoveMembership(ctx, n, other.Version, oid, 1, false); err != nil {
			t.Fatal(err)
		}
		other = n
		r := mustRoster(t, s, oid)
		if r.Rev != 2 || len(r.Members) != 1 || r.Members[0].UserID != owner.ID {
			t.Errorf("roster after removal: rev %d, members %+v", r.Rev, r.Members)
		}
	})
	t.Run("the last member's removal deletes the organization", func(t *testing.T) {
		n := left(owner, oid)
		if err := s.RemoveMembership(ctx, n, owner.Version, oid, 2, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetRoster(ctx, oid); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("organization left behind: %v", err)
		}
	})
}

func TestListMembersAndGetUsers(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	owner, oid := mustOwner(t, s)
	users := []account.User{owner}
	rev := int64(0)
	for i := 0; i < 4; i++ {
		u, _ := mustOwner(t, s)
		n := joined(u, oid, account.RoleUser)
		if err := s.PutMembership(ctx, n, u.Version, oid, rev); err != nil {
			t.Fatal(err)
		}
		rev++
		users = append(users, n)
	}
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		ms, next, err := s.ListMembers(ctx, oid, cursor, 2)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		pages++
		for _, m := range ms {
			if seen[m.UserID] || m.OrgID != oid {
				t.Errorf("member %+v repeated or of another organization", m)
			}
			seen[m.UserID] = true
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != 5 || pages < 3 {
		t.Errorf("%d members over %d pages, want 5 over at least 3", len(seen), pages)
	}
	t.Run("a cursor of another organization is ErrBadCursor", func(t *testing.T) {
		_, next, err := s.ListMembers(ctx, oid, "", 1)
		if err != nil || next == "" {
			t.Fatalf("first page: %q, %v", next, err)
		}
		if _, _, err := s.ListMembers(ctx, "other-org", next, 1); !errors.Is(err, org.ErrBadCursor) {
			t.Errorf("err = %v, want ErrBadCursor", err)
		}
		if _, _, err := s.ListMembers(ctx, oid, "garbage", 1); !errors.Is(err, org.ErrBadCursor) {
			t.Errorf("garbage cursor: %v, want ErrBadCursor", err)
		}
	})
	t.Run("GetUsers reads many, once each, skipping unknown ids", func(t *testing.T) {
		ids := []string{users[0].ID, users[1].ID, users[1].ID, "nobody"}
		got, err := s.GetUsers(ctx, ids)
		if err != nil || len(got) != 2 || got[users[1].ID].Email != users[1].Email {
			t.Errorf("GetUsers = %v, %v", got, err)
		}
		if got, err := s.GetUsers(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("GetUsers(nil) = %v, %v", got, err)
		}
		if _, err := s.GetUsers(ctx, make([]string, 101)); err == nil {
			t.Error("GetUsers of 101 ids succeeded")
		}
	})
}

func invitation(t *testing.T, oid, email string, expires time.Time) org.Invitation {
	return org.Invitation{ID: testenv.RandomID(t), Email: email, FirstName: "Grace", Language: "en", OrgID: oid, Role: account.RoleUser, TokenHash: "token-hash", ExpiresAt: expires}
}

func TestInvitations(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	_, oid := mustOwner(t, s)
	inv := invitation(t, oid, testenv.Email(t), now.Add(time.Hour))
	if err := s.PutInvitation(ctx, inv); err != nil {
		t.Fatal(err)
	}
	t.Run("read back; an id is put once", func(t *testing.T) {
		got, err := s.GetInvitation(ctx, inv.ID)
		if err != nil || got != inv {
			t.Errorf("invitation = %+v, %v; want %+v", got, err, inv)
		}
		if err := s.PutInvitation(ctx, inv); err == nil {
			t.Error("a second put of the same id succeeded")
		}
		if _, err := s.GetInvitation(ctx, "nope"); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("unknown: %v, want ErrNotFound", err)
		}
	})
	newUser := func(email string) account.User {
		return account.User{ID: testenv.RandomID(t), Email: email, FirstName: "Grace", CreatedAt: now, Version: 1,
			Orgs: map[string]account.Membership{oid: {Role: account.RoleUser, JoinedAt: now}}}
	}
	t.Run("an expired invitation is not accepted", func(t *testing.T) {
		old := invitation(t, oid, testenv.Email(t), now.Add(-time.Second))
		if err := s.PutInvitation(ctx, old); err != nil {
			t.Fatal(err)
		}
		u := newUser(old.Email)
		if err := s.AcceptInvitationNew(ctx, old, now, 0, u, "hash", newSession(t, u.ID)); !errors.Is(err, account.ErrConflict) {
			t.Fatalf("err = %v, want ErrConflict", err)
		}
		if _, err := s.GetUser(ctx, u.ID); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("account created from an expired invitation: %v", err)
		}
	})
	t.Run("a held email is ErrEmailTaken", func(t *testing.T) {
		holder, _ := mustOwner(t, s)
		taken := invitation(t, oid, holder.Email, now.Add(time.Hour))
		if err := s.PutInvitation(ctx, taken); err != nil {
			t.Fatal(err)
		}
		u := newUser(holder.Email)
		if err := s.AcceptInvitationNew(ctx, taken, now, 0, u, "hash", newSession(t, u.ID)); !errors.Is(err, account.ErrEmailTaken) {
			t.Errorf("err = %v, want ErrEmailTaken", err)
		}
	})
	t.Run("accepted once: account, password, member, session, revision", func(t *testing.T) {
		u := newUser(inv.Email)
		sess := newSession(t, u.ID)
		if err := s.AcceptInvitationNew(ctx, inv, now, 0, u, "hash", sess); err != nil {
			t.Fatal(err)
		}
		if id, err := s.LookupEmail(ctx, inv.Email); err != nil || id != u.ID {
			t.Errorf("email holder %q, %v", id, err)
		}
		if h, err := s.GetPasswordHash(ctx, u.ID); err != nil || h != "hash" {
			t.Errorf("password %q, %v", h, err)
		}
		if _, _, err := s.GetSessionWithUser(ctx, u.ID, sess.ID); err != nil {
			t.Errorf("session: %v", err)
		}
		if r := mustRoster(t, s, oid); r.Rev != 1 || len(r.Members) != 2 {
			t.Errorf("roster rev %d, %d members; want 1, 2", r.Rev, len(r.Members))
		}
		if _, err := s.GetInvitation(ctx, inv.ID); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("invitation not consumed: %v", err)
		}
		again := newUser(testenv.Email(t))
		if err := s.AcceptInvitationNew(ctx, inv, now, 1, again, "hash", newSession(t, again.ID)); !errors.Is(err, account.ErrConflict) {
			t.Errorf("second acceptance: %v, want ErrConflict", err)
		}
	})
	t.Run("an existing account joins", func(t *testing.T) {
		existing, _ := mustOwner(t, s)
		ex := invitation(t, oid, existing.Email, now.Add(time.Hour))
		if err := s.PutInvitation(ctx, ex); err != nil {
			t.Fatal(err)
		}
		n := joined(existing, oid, account.RoleUser)
		if err := s.AcceptInvitationExisting(ctx, ex, now, 0, n, existing.Version); !errors.Is(err, account.ErrConflict) {
			t.Errorf("stale revision: %v, want ErrConflict", err)
		}
		if err := s.AcceptInvitationExisting(ctx, ex, now, 1, n, existing.Version); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetUser(ctx, existing.ID); got.Orgs[oid].Role != account.RoleUser {
			t.Errorf("membership not saved: %+v", got.Orgs)
		}
		if err := s.AcceptInvitationExisting(ctx, ex, now, 2, joined(n, oid, account.RoleUser), n.Version); !errors.Is(err, account.ErrConflict) {
			t.Errorf("second acceptance: %v, want ErrConflict", err)
		}
	})
}

func TestDeleteUserData(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	u, _ := mustOwner(t, s)
	if _, err := s.AddHit(ctx, "reauth#"+u.ID, now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUserData(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetUser(ctx, u.ID); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("user: %v, want ErrNotFound", err)
	}
	if _, err := s.LookupEmail(ctx, u.Email); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("email: %v, want ErrNotFound", err)
	}
	if _, err := s.GetPasswordHash(ctx, u.ID); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("password: %v, want ErrNotFound", err)
	}
	if ss, err := s.ListSessions(ctx, u.ID); err != nil || len(ss) != 0 {
		t.Errorf("sessions: %v, %v", ss, err)
	}
	if n, err := s.HitCount(ctx, "reauth#"+u.ID, now); err != nil || n != 0 {
		t.Errorf("rate counter: %d, %v; want 0", n, err)
	}
	t.Run("an address another account holds now is kept", func(t *testing.T) {
		gone, _ := mustOwner(t, s)
		holder, _ := mustOwner(t, s)
		gone.Email = holder.Email // the record still names an address since taken
		if err := s.DeleteUserData(ctx, gone); err != nil {
			t.Fatal(err)
		}
		if id, err := s.LookupEmail(ctx, holder.Email); err != nil || id != holder.ID {
			t.Errorf("holder's email: %q, %v", id, err)
		}
		if _, err := s.GetUser(ctx, gone.ID); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("user: %v, want ErrNotFound", err)
		}
	})
	t.Run("a second run finishes quietly", func(t *testing.T) {
		if err := s.DeleteUserData(ctx, u); err != nil {
			t.Errorf("second run: %v", err)
		}
	})
}
