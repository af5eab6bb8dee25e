package ratelimit

import (
	"context"
	"errors"
	"fmt"
)

// Quota is one limit on one key, for TakeAll: the same event (a text
// message, a code mail) is usually limited several ways at once, per client,
// per account, per destination and in total.
type Quota struct {
	// Name says which limit refused, in logs and in the error (not to clients).
	Name    string
	Limiter Limiter
	Key     string
}

// TakeAll takes one event from every quota, in order, each counted
// atomically (Limiter.Take). A quota whose Limiter.Max is below 1 is off
// and skipped. When one is over its limit, the events already taken are
// given back, so a refused request uses up none of the other limits, and
// the refusal is returned: a *Limited (errors.As) naming the quota. On
// success release gives every event back, for an event that did not
// happen after all (the send failed).
func TakeAll(ctx context.Context, qs ...Quota) (release func(context.Context), err error) {
	var taken []Quota
	release = func(ctx context.Context) {
		for _, q := range taken {
			_ = q.Limiter.Release(ctx, q.Key) // best effort: a counter left high only expires later
		}
	}
	for _, q := range qs {
		if q.Limiter.Max < 1 {
			continue
		}
		err := q.Limiter.Take(ctx, q.Key)
		var l *Limited
		if errors.As(err, &l) {
			taken = append(taken, q) // Take counted it although it refused
			release(context.WithoutCancel(ctx))
			return func(context.Context) {}, fmt.Errorf("%s: %w", q.Name, err)
		}
		if err != nil {
			release(context.WithoutCancel(ctx))
			return func(context.Context) {}, err
		}
		taken = append(taken, q)
	}
	return release, nil
}
