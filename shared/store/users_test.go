package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func newStore(t *testing.T) *store.Store {
	t.Helper()
	db, table := testenv.DynamoDB(t)
	return store.New(db, table)
}

// A rehash at sign-in replaces the hash only if it is still the one the
// sign-in read: a password changed meanwhile is not reverted.
func TestReplacePasswordHashOnlyOverTheHashRead(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	uid := testenv.RandomID(t)
	if err := s.SetPasswordHash(ctx, uid, "old-password-hash"); err != nil {
		t.Fatal(err)
	}
	// A password change lands between the sign-in's read and its rehash.
	if err := s.SetPasswordHash(ctx, uid, "new-password-hash"); err != nil {
		t.Fatal(err)
	}
	err := s.ReplacePasswordHash(ctx, uid, "old-password-hash", "old-password-rehashed")
	if !errors.Is(err, account.ErrConflict) {
		t.Errorf("rehash over a changed hash: err = %v, want account.ErrConflict", err)
	}
	if h, err := s.GetPasswordHash(ctx, uid); err != nil || h != "new-password-hash" {
		t.Errorf("hash after the lost race = %q, %v; want the new password's hash", h, err)
	}

	if err := s.ReplacePasswordHash(ctx, uid, "new-password-hash", "new-password-rehashed"); err != nil {
		t.Fatalf("rehash over the hash read: %v", err)
	}
	if h, err := s.GetPasswordHash(ctx, uid); err != nil || h != "new-password-rehashed" {
		t.Errorf("hash after the rehash = %q, %v; want the rehash", h, err)
	}

	other := testenv.RandomID(t)
	if err := s.ReplacePasswordHash(ctx, other, "", "x"); !errors.Is(err, account.ErrConflict) {
		t.Errorf("rehash of a user without a password: err = %v, want account.ErrConflict", err)
	}
	if _, err := s.GetPasswordHash(ctx, other); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("rehash created a password item: %v", err)
	}
}

// RemoveHit gives back a counted attempt and never goes below zero.
func TestRemoveHitFloorsAtZero(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	start := time.Now().UTC().Truncate(time.Hour)
	for range 2 {
		if _, err := s.AddHit(ctx, "k", start, start.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		if err := s.RemoveHit(ctx, "k", start); err != nil {
			t.Fatalf("remove hit: %v", err)
		}
	}
	if n, err := s.HitCount(ctx, "k", start); err != nil || n != 0 {
		t.Errorf("count after 2 hits and 3 removals = %d, %v; want 0", n, err)
	}
	if n, err := s.AddHit(ctx, "k", start, start.Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("hit after the floor = %d, %v; want 1", n, err)
	}
	if err := s.RemoveHit(ctx, "absent", start); err != nil {
		t.Errorf("remove hit of an absent counter: %v", err)
	}
	if n, err := s.HitCount(ctx, "absent", start); err != nil || n != 0 {
		t.Errorf("absent counter after a removal = %d, %v; want 0", n, err)
	}
}
