// Package ratelimit counts events (failed sign-ins, code requests, ...) per
// key in fixed windows kept in DynamoDB with a TTL, so every Lambda instance
// sees the same counts.
package ratelimit

import (
	"context"
	"fmt"
	"time"
)

// Store keeps the counters.
type Store interface {
	// HitCount returns the count of key in the window starting at start (0 if none).
	HitCount(ctx context.Context, key string, start time.Time) (int, error)
	// AddHit increments the count atomically and returns the new count; the
	// counter expires at expires.
	AddHit(ctx context.Context, key string, start, expires time.Time) (int, error)
	// RemoveHit decrements the count atomically, never below 0 (a missing
	// or zero counter is left alone).
	RemoveHit(ctx context.Context, key string, start time.Time) error
}

// Limiter allows at most Max events per key in each Window.
type Limiter struct {
	Store  Store
	Now    func() time.Time
	Window time.Duration
	Max    int
}

// Limited is returned when a key is over its limit.
type Limited struct{ RetryAfter time.Duration }

func (l *Limited) Error() string { return fmt.Sprintf("rate limited; retry after %s", l.RetryAfter) }

func (l Limiter) window() (start, end time.Time) {
	now := l.Now().UTC()
	start = now.Truncate(l.Window)
	return start, start.Add(l.Window)
}

// Check returns *Limited if key already reached the limit in this window.
func (l Limiter) Check(ctx context.Context, key string) error {
	start, end := l.window()
	n, err := l.Store.HitCount(ctx, key, start)
	if err != nil {
		return fmt.Errorf("rate limit %s: %w", key, err)
	}
	if n >= l.Max {
		return &Limited{RetryAfter: end.Sub(l.Now().UTC())}
	}
	return nil
}

// Hit counts one event and returns *Limited if it went over the limit
// (the event counted is the one over it).
func (l Limiter) Hit(ctx context.Context, key string) error {
	start, end := l.window()
	n, err := l.Store.AddHit(ctx, key, start, end)
	if err != nil {
		return fmt.Errorf("rate limit %s: %w", key, err)
	}
	if n > l.Max {
		return &Limited{RetryAfter: end.Sub(l.Now().UTC())}
	}
	return nil
}

// Take counts one attempt BEFORE it is made and returns *Limited if the
// new count is over the limit: the caller must then not make the attempt.
// The increment is atomic, so of any number of concurrent attempts at most
// Max are let through in a window. A caller whose attempt succeeded gives
// it back with Release, so that only failures accumulate.
func (l Limiter) Take(ctx context.Context, key string) error {
	return l.Hit(ctx, key)
}

// Release gives back an attempt counted by Take that succeeded (or was not
// made because of an internal error). The count never goes below 0. The
// attempt is given back in the current window: one taken just before a
// window boundary is simply forgotten with the old window.
func (l Limiter) Release(ctx context.Context, key string) error {
	start, _ := l.window()
	if err := l.Store.RemoveHit(ctx, key, start); err != nil {
		return fmt.Errorf("rate limit %s: %w", key, err)
	}
	return nil
}

// FairStore is the storage of fair attempt budgets (Acquire, Fail,
// Release): a counter of attempts taken (failed or in flight) and one of
// failures, per key and window.
type FairStore interface {
	Store
	// TakeHit counts one attempt if fewer than max are taken (one
	// conditional write) and says whether it did; when it did not, fails is
	// how many of the taken ones are recorded failures (the rest are in
	// flight). A refused attempt changes nothing.
	TakeHit(ctx context.Context, key string, start, expires time.Time, max int) (taken bool, fails int, err error)
	// AddFail records that an attempt taken by TakeHit failed: it stays
	// taken and counts as a failure.
	AddFail(ctx context.Context, key string, start, expires time.Time) error
}

// Fair is a budget of failed attempts per key and window that refused
// attempts do not consume and that right answers do not exhaust: an
// attempt is taken before it is checked (so parallel guesses get at most
// Max checks), a refused one is not counted, a successful one is given
// back, and an attempt refused only because the budget is held by attempts
// still in flight waits for them (up to Wait) instead of being refused.
type Fair struct {
	Store  FairStore
	Now    func() time.Time
	Window time.Duration
	Max    int
	// Wait is how long an attempt waits for attempts in flight to finish
	// (default 3s); Poll is the pause between tries (default 25ms).
	Wait, Poll time.Duration
	// Sleep pauses (default: a timer that honours ctx).
	Sleep func(ctx context.Context, d time.Duration) error
}

func (f Fair) window() (start, end time.Time) {
	now := f.Now().UTC()
	start = now.Truncate(f.Window)
	return start, start.Add(f.Window)
}

// Acquire takes one attempt of key before it is made: *Limited when Max
// failures are recorded in this window, or when attempts in flight still
// hold the whole budget after Wait. A refused attempt consumes nothing.
// The caller reports the outcome with Fail or Release.
func (f Fair) Acquire(ctx context.Context, key string) error {
	wait, poll := f.Wait, f.Poll
	if wait == 0 {
		wait = 3 * time.Second
	}
	if poll == 0 {
		poll = 25 * time.Millisecond
	}
	sleep := f.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	deadline := time.Now().Add(wait)
	for {
		start, end := f.window()
		ok, fails, err := f.Store.TakeHit(ctx, key, start, end, f.Max)
		if err != nil {
			return fmt.Errorf("rate limit %s: %w", key, err)
		}
		if ok {
			return nil
		}
		if fails >= f.Max || !time.Now().Before(deadline) {
			return &Limited{RetryAfter: end.Sub(f.Now().UTC())}
		}
		// The budget is held by attempts in flight, which give it back
		// when they succeed: wait for them.
		if err := sleep(ctx, poll); err != nil {
			return fmt.Errorf("rate limit %s: %w", key, err)
		}
	}
}

// Fail records that an acquired attempt failed: it keeps its place in the
// budget until the window ends.
func (f Fair) Fail(ctx context.Context, key string) error {
	start, end := f.window()
	if err := f.Store.AddFail(ctx, key, start, end); err != nil {
		return fmt.Errorf("rate limit %s: %w", key, err)
	}
	return nil
}

// Release gives back an acquired attempt that did not fail (see
// Limiter.Release).
func (f Fair) Release(ctx context.Context, key string) error {
	start, _ := f.window()
	if err := f.Store.RemoveHit(ctx, key, start); err != nil {
		return fmt.Errorf("rate limit %s: %w", key, err)
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
