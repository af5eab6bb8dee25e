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
