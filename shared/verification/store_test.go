package verification_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/verificationdb"
	"github.com/example/myprofile/shared/verification"
)

// The store's conditions, against DynamoDB Local: what keeps codes single
// use and attempts bounded even when requests race.
func TestStoreConditions(t *testing.T) {
	ctx := context.Background()
	db, table := testenv.DynamoDB(t)
	st := verificationdb.New(store.New(db, table))
	now := time.Now().UTC().Truncate(time.Second)
	change := func(uid, id string) verification.Change {
		return verification.Change{UserID: uid, Kind: verification.KindPhone, ID: id, Target: "+34600111222", CreatedAt: now, ExpiresAt: now.Add(verification.CodeTTL)}
	}

	t.Run("attempts stop at the maximum", func(t *testing.T) {
		if err := st.PutChange(ctx, change("u1", "c1")); err != nil {
			t.Fatal(err)
		}
		for want := 1; want <= verification.MaxAttempts; want++ {
			n, err := st.CountAttempt(ctx, "u1", verification.KindPhone, "c1", verification.MaxAttempts)
			if err != nil || n != want {
				t.Fatalf("attempt %d: got %d, %v", want, n, err)
			}
		}
		if _, err := st.CountAttempt(ctx, "u1", verification.KindPhone, "c1", verification.MaxAttempts); !errors.Is(err, verification.ErrTooManyAttempts) {
			t.Errorf("attempt over the maximum: got %v, want ErrTooManyAttempts", err)
		}
	})
	t.Run("a replaced change takes no attempts", func(t *testing.T) {
		if err := st.PutChange(ctx, change("u1", "c2")); err != nil {
			t.Fatal(err)
		}
		if _, err := st.CountAttempt(ctx, "u1", verification.KindPhone, "c1", verification.MaxAttempts); !errors.Is(err, verification.ErrNoPending) {
			t.Errorf("got %v, want ErrNoPending", err)
		}
		if err := st.DeleteChange(ctx, "u1", verification.KindPhone, "c1"); err != nil {
			t.Fatal(err)
		}
		if c, err := st.GetChange(ctx, "u1", verification.KindPhone); err != nil || c.ID != "c2" {
			t.Errorf("deleting the replaced id removed the new change: %+v, %v", c, err)
		}
	})
	t.Run("no change takes no attempts", func(t *testing.T) {
		if _, err := st.CountAttempt(ctx, "nobody", verification.KindPhone, "c1", verification.MaxAttempts); !errors.Is(err, verification.ErrNoPending) {
			t.Errorf("got %v, want ErrNoPending", err)
		}
	})

}

// ConfirmEmail's transaction refuses, and leaves everything as it was, when
// the change expired, the user changed meanwhile or the email is held.
func TestConfirmEmailTransaction(t *testing.T) {
	ctx := context.Background()
	e := apptest.New(t, nil)
	a, b := e.SignUp(nil), e.SignUp(nil)
	st := e.Deps.Store()
	rec, err := st.GetUser(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := e.Clock.Now()
	target := testenv.Email(t)
	pending := func(id, to string) verification.Change {
		c := verification.Change{UserID: a.ID, Kind: verification.KindEmail, ID: id, Target: to, Current: a.Email, CreatedAt: now, ExpiresAt: now.Add(verification.CodeTTL)}
		if err := st.PutChange(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	moved := func(to string) account.User {
		u := rec
		u.Email, u.Version = to, rec.Version+1
		return u
	}
	tests := []struct {
		name    string
		to      string
		version int64
		at      time.Time
		want    error
	}{
		{"expired change", target, rec.Version, now.Add(verification.CodeTTL), verification.ErrNoPending},
		{"user changed meanwhile", target, rec.Version - 1, now, account.ErrConflict},
		{"email held by another account", b.Email, rec.Version, now, account.ErrEmailTaken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e.For(t)
			c := pending("c-"+tc.name, tc.to)
			u := moved(tc.to)
			u.Version = tc.version + 1
			err := st.ConfirmEmail(ctx, u, a.Email, tc.version, c, tc.at)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			mustEmailItems(t, e, a.ID, a.Email, "")
			mustEmailItems(t, e, b.ID, b.Email, "")
		})
	}
	t.Run("confirmed once, then never again", func(t *testing.T) {
		e := e.For(t)
		c := pending("c-ok", target)
		if err := st.ConfirmEmail(ctx, moved(target), a.Email, rec.Version, c, now); err != nil {
			t.Fatal(err)
		}
		mustEmailItems(t, e, a.ID, target, a.Email)
		again := moved(target)
		again.Version++
		if err := st.ConfirmEmail(ctx, again, a.Email, rec.Version+1, c, now); !errors.Is(err, verification.ErrNoPending) {
			t.Errorf("replay: got %v, want ErrNoPending", err)
		}
	})
}
