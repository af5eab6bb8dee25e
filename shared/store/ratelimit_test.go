package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/ratelimit"
	"github.com/example/myprofile/shared/store"
)

func newFair(t *testing.T, max int) ratelimit.Fair {
	t.Helper()
	db, table := testenv.DynamoDB(t)
	now := time.Now().UTC()
	return ratelimit.Fair{Store: store.New(db, table), Now: func() time.Time { return now }, Window: time.Hour, Max: max,
		Wait: 2 * time.Second, Poll: 10 * time.Millisecond}
}

func wantLimited(t *testing.T, err error, what string) {
	t.Helper()
	var l *ratelimit.Limited
	if !errors.As(err, &l) {
		t.Errorf("%s: err = %v, want *ratelimit.Limited", what, err)
	}
}

func TestFairBudget(t *testing.T) {
	ctx := context.Background()
	t.Run("failures use the budget up; refusals take nothing", func(t *testing.T) {
		f := newFair(t, 2)
		for i := range 2 {
			if err := f.Acquire(ctx, "k"); err != nil {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
			if err := f.Fail(ctx, "k"); err != nil {
				t.Fatal(err)
			}
		}
		for range 5 {
			wantLimited(t, f.Acquire(ctx, "k"), "over the budget")
		}
		// Had the refusals counted, the count would be 7: giving one
		// back would not let an attempt in.
		if err := f.Release(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		if err := f.Acquire(ctx, "k"); err != nil {
			t.Errorf("after one attempt given back: %v, want a place", err)
		}
	})
	t.Run("an attempt waits for attempts in flight instead of being refused", func(t *testing.T) {
		f := newFair(t, 1)
		if err := f.Acquire(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(100 * time.Millisecond)
			_ = f.Release(context.Background(), "k") // the first succeeded
		}()
		if err := f.Acquire(ctx, "k"); err != nil {
			t.Errorf("second attempt while the first was in flight: %v, want a place once it finished", err)
		}
	})
	t.Run("an attempt in flight that never finishes refuses after Wait", func(t *testing.T) {
		f := newFair(t, 1)
		f.Wait = 100 * time.Millisecond
		if err := f.Acquire(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		wantLimited(t, f.Acquire(ctx, "k"), "budget held past Wait")
	})
}
