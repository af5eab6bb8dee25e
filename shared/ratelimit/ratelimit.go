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
