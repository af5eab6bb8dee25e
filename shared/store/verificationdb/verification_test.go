package verificationdb_test

import (
	"errors"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/storetest"
	"github.com/example/myprofile/shared/store/verificationdb"
	"github.com/example/myprofile/shared/verification"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var now = time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC)

// newStore returns the storage on a table of the test's own.
func newStore(t *testing.T) *verificationdb.Store {
	t.Helper()
	db, table := testenv.DynamoDB(t)
	return verificationdb.New(store.New(db, table))
}

// mustUser signs up a user with email and returns the stored record.
func mustUser(t *testing.T, s *verificationdb.Store, email string) account.User {
	t.Helper()
	id, _ := storetest.Owner(t, s.Store, now, email)
	u, err := s.GetUser(t.Context(), id)
	if err != nil {
		t.Fatalf("get user: %v", err)
	}
	return u
}

func change(userID, kind, target string, expires time.Time) verification.Change {
	return verification.Change{UserID: userID, Kind: kind, ID: "chg-" + target, Target: target, Keyed: true, TargetHash: "h", CreatedAt: now, ExpiresAt: expires}
}

func mustPut(t *testing.T, s *verificationdb.Store, c verification.Change) {
	t.Helper()
	if err := s.PutChange(t.Context(), c); err != nil {
		t.Fatalf("put change: %v", err)
	}
}

func TestPendingChanges(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	t.Run("none pending is ErrNoPending", func(t *testing.T) {
		if _, err := s.GetChange(ctx, "nobody", "email"); !errors.Is(err, verification.ErrNoPending) {
			t.Errorf("err = %v, want ErrNoPending", err)
		}
	})
	t.Run("a put replaces the change of its kind only", func(t *testing.T) {
		mustPut(t, s, change("u1", "email", "a@example.com", now.Add(time.Hour)))
		mustPut(t, s, change("u1", "phone", "+34600000001", now.Add(time.Hour)))
		mustPut(t, s, change("u1", "email", "b@example.com", now.Add(time.Hour)))
		c, err := s.GetChange(ctx, "u1", "email")
		if err != nil || c.Target != "b@example.com" || c.ID != "chg-b@example.com" || !c.ExpiresAt.Equal(now.Add(time.Hour)) {
			t.Errorf("email change = %+v, %v; want the second one", c, err)
		}
		if p, err := s.GetChange(ctx, "u1", "phone"); err != nil || p.Target != "+34600000001" {
			t.Errorf("phone change = %+v, %v; want it kept", p, err)
		}
	})
	t.Run("an expired change is returned as it is", func(t *testing.T) {
		mustPut(t, s, change("u2", "email", "old@example.com", now.Add(-time.Hour)))
		c, err := s.GetChange(ctx, "u2", "email")
		if err != nil || !c.Expired(now) {
			t.Errorf("expired change = %+v, %v; want it read, expired", c, err)
		}
	})
}

func TestCountAttempt(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	c := change("u1", "email", "a@example.com", now.Add(time.Hour))
	mustPut(t, s, c)
	for want := 1; want <= 3; want++ {
		n, err := s.CountAttempt(ctx, "u1", "email", c.ID, 3)
		if err != nil || n != want {
			t.Fatalf("attempt %d: %d, %v", want, n, err)
		}
	}
	for _, tt := range []struct {
		name      string
		user, id  string
		wantError error
	}{
		{"past max is ErrTooManyAttempts", "u1", c.ID, verification.ErrTooManyAttempts},
		{"another change id is ErrNoPending", "u1", "chg-other", verification.ErrNoPending},
		{"no change is ErrNoPending", "u2", c.ID, verification.ErrNoPending},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.CountAttempt(ctx, tt.user, "email", tt.id, 3); !errors.Is(err, tt.wantError) {
				t.Errorf("err = %v, want %v", err, tt.wantError)
			}
		})
	}
	if got, _ := s.GetChange(ctx, "u1", "email"); got.Attempts != 3 {
		t.Errorf("stored attempts %d, want 3", got.Attempts)
	}
}

func TestDeleteChange(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	c := change("u1", "phone", "+34600000001", now.Add(time.Hour))
	mustPut(t, s, c)
	if err := s.DeleteChange(ctx, "u1", "phone", "chg-replaced"); err != nil {
		t.Fatalf("delete of another id: %v", err)
	}
	if _, err := s.GetChange(ctx, "u1", "phone"); err != nil {
		t.Errorf("a delete naming another id removed the change: %v", err)
	}
	if err := s.DeleteChange(ctx, "u1", "phone", c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetChange(ctx, "u1", "phone"); !errors.Is(err, verification.ErrNoPending) {
		t.Errorf("after delete: %v, want ErrNoPending", err)
	}
	mustPut(t, s, c)
	if err := s.DeleteChange(ctx, "u1", "phone", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetChange(ctx, "u1", "phone"); !errors.Is(err, verification.ErrNoPending) {
		t.Errorf("after unconditional delete: %v, want ErrNoPending", err)
	}
	if err := s.DeleteChange(ctx, "u1", "phone", ""); err != nil {
		t.Errorf("deleting nothing: %v", err)
	}
}

func TestConfirmEmail(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	next := func(u account.User, email string) account.User {
		n := u
		n.Email, n.Version = email, u.Version+1
		return n
	}
	t.Run("moves the email in one go", func(t *testing.T) {
		u := mustUser(t, s, testenv.Email(t))
		newEmail := testenv.Email(t)
		c := change(u.ID, "email", newEmail, now.Add(time.Hour))
		mustPut(t, s, c)
		if err := s.ConfirmEmail(ctx, next(u, newEmail), u.Email, u.Version, c, now); err != nil {
			t.Fatal(err)
		}
		if id, err := s.LookupEmail(ctx, newEmail); err != nil || id != u.ID {
			t.Errorf("new email holder %q, %v; want %s", id, err, u.ID)
		}
		if _, err := s.LookupEmail(ctx, u.Email); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("old email still held: %v", err)
		}
		if got, _ := s.GetUser(ctx, u.ID); got.Email != newEmail || got.Version != u.Version+1 {
			t.Errorf("user = %s v%d, want %s v%d", got.Email, got.Version, newEmail, u.Version+1)
		}
		if _, err := s.GetChange(ctx, u.ID, "email"); !errors.Is(err, verification.ErrNoPending) {
			t.Errorf("the change was not consumed: %v", err)
		}
		// Single use: the same confirmation again finds nothing pending.
		moved, _ := s.GetUser(ctx, u.ID)
		if err := s.ConfirmEmail(ctx, next(moved, newEmail), newEmail, moved.Version, c, now); !errors.Is(err, verification.ErrNoPending) {
			t.Errorf("second confirmation: %v, want ErrNoPending", err)
		}
	})
	for _, tt := range []struct {
		name    string
		expires time.Time
		taken   bool
		version int64 // added to the stored version as expectVersion
		want    error
	}{
		{"an expired change is ErrNoPending", now.Add(-time.Second), false, 0, verification.ErrNoPending},
		{"a held email is ErrEmailTaken", now.Add(time.Hour), true, 0, account.ErrEmailTaken},
		{"a stale user version is ErrConflict", now.Add(time.Hour), false, -1, account.ErrConflict},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u := mustUser(t, s, testenv.Email(t))
			newEmail := testenv.Email(t)
			if tt.taken {
				mustUser(t, s, newEmail)
			}
			c := change(u.ID, "email", newEmail, tt.expires)
			mustPut(t, s, c)
			expect := u.Version + tt.version
			n := u
			n.Email, n.Version = newEmail, expect+1
			if err := s.ConfirmEmail(ctx, n, u.Email, expect, c, now); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if id, err := s.LookupEmail(ctx, u.Email); err != nil || id != u.ID {
				t.Errorf("old email lost: %q, %v", id, err)
			}
			if got, _ := s.GetUser(ctx, u.ID); got.Email != u.Email || got.Version != u.Version {
				t.Errorf("user changed by a refused confirmation: %s v%d", got.Email, got.Version)
			}
		})
	}
}

func TestConfirmPhone(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	for _, tt := range []struct {
		name    string
		expires time.Time
		version int64
		want    error
	}{
		{"saves the phone and consumes the change", now.Add(time.Hour), 0, nil},
		{"an expired change is ErrNoPending", now.Add(-time.Second), 0, verification.ErrNoPending},
		{"a stale user version is ErrConflict", now.Add(time.Hour), -1, account.ErrConflict},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u := mustUser(t, s, testenv.Email(t))
			c := change(u.ID, "phone", "+34600000001", tt.expires)
			mustPut(t, s, c)
			expect := u.Version + tt.version
			n := u
			n.Phone, n.PhoneVerified, n.Version = "+34600000001", true, expect+1
			err := s.ConfirmPhone(ctx, n, expect, c, now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			got, _ := s.GetUser(ctx, u.ID)
			_, pendErr := s.GetChange(ctx, u.ID, "phone")
			if tt.want == nil {
				if got.Phone != "+34600000001" || !got.PhoneVerified || !errors.Is(pendErr, verification.ErrNoPending) {
					t.Errorf("phone %q, pending %v; want the number saved and nothing pending", got.Phone, pendErr)
				}
				return
			}
			if got.Phone != "" || got.Version != u.Version || pendErr != nil {
				t.Errorf("refused confirmation changed state: phone %q v%d, pending %v", got.Phone, got.Version, pendErr)
			}
		})
	}
}
