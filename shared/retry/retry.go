// Package retry paces the retries of a write that lost a race (a
// conditional write or a transaction another request got to first), and
// waits that end with their context.
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff waits before retry attempt+1: a few milliseconds growing with the
// attempt, with jitter so that the racers spread out. It returns the
// context's error if the context ends first.
func Backoff(ctx context.Context, attempt int) error {
	return Sleep(ctx, time.Duration(5*(attempt+1)+rand.IntN(10*(attempt+1)))*time.Millisecond)
}

// Sleep waits d, or returns the context's error if the context ends first.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
