package twofactor

import (
	"context"
	"errors"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/ratelimit"
)

// Escalating lock of the second factors.
//
// The per-user limit (Failures: LOGIN_MAX_FAILURES wrong second factors in
// LOGIN_WINDOW) alone lets a holder of the password try 10 codes every 15
// minutes, about 960 a day. So each window that wrong factors run out is a
// strike that locks every second factor of the user (sign-in challenges,
// codes, passkeys, sign-in SMS): for one window the first time, then twice
// as long each time (15 min, 30 min, 1 h, ... up to MaxLock), about 10
// guesses a day at most once the lock is at its cap. A successful sign-in
// clears the strikes. The first strike mails the user: their password is
// known to someone.

// lockFor is how long the n-th strike (n >= 1) locks the factors.
func (s *Service) lockFor(n int) time.Duration {
	d := s.Failures.Window
	for i := 1; i < n && d < MaxLock; i++ {
		d *= 2
	}
	return min(d, MaxLock)
}

// checkLock refuses with 429 rate_limited (Retry-After: the rest of the
// lock) while the user's factors are locked.
func (s *Service) checkLock(ctx context.Context, uid string, now time.Time) error {
	l, err := s.Store.GetLock(ctx, uid)
	if err != nil {
		return account.Internal(err)
	}
	return lockedErr(l, now)
}

// lockedErr is checkLock's answer on the lock as read.
func lockedErr(l Lock, now time.Time) error {
	if now.Before(l.Until) {
		return limitedMFA(&ratelimit.Limited{RetryAfter: l.Until.Sub(now)})
	}
	return nil
}

// strike locks the user's factors if the wrong factor just refused ran out
// the current window, once per window (of concurrent refusals one writes
// the strike), and mails the user at the first strike. The refusal is the
// answer already, so a failure here is logged, not returned.
func (s *Service) strike(ctx context.Context, uid string) {
	err := s.Failures.Check(ctx, failKey(uid))
	var l *ratelimit.Limited
	if err == nil {
		return // attempts left in this window
	}
	if !errors.As(err, &l) {
		s.Log.ErrorContext(ctx, "second-factor lock: check", "userId", uid, "error", err.Error())
		return
	}
	now := s.Now().UTC()
	window := now.Truncate(s.Failures.Window)
	for attempt := 0; attempt < 3; attempt++ {
		prev, err := s.Store.GetLock(ctx, uid)
		if err != nil {
			s.Log.ErrorContext(ctx, "second-factor lock: read", "userId", uid, "error", err.Error())
			return
		}
		if !prev.Window.Before(window) {
			return // this window is struck already
		}
		next := Lock{Strikes: prev.Strikes + 1, Window: window, Until: now.Add(s.lockFor(prev.Strikes + 1))}
		err = s.Store.PutLock(ctx, uid, next, prev.Strikes)
		if errors.Is(err, account.ErrConflict) {
			continue
		}
		if err != nil {
			s.Log.ErrorContext(ctx, "second-factor lock: write", "userId", uid, "error", err.Error())
			return
		}
		s.Log.WarnContext(ctx, "second factors locked", "userId", uid, "strikes", next.Strikes, "until", next.Until)
		if next.Strikes == 1 {
			u, err := s.Users.GetUser(ctx, uid)
			if err != nil {
				s.Log.ErrorContext(ctx, "second-factor lock: read user", "userId", uid, "error", err.Error())
				return
			}
			s.notice(ctx, u, noticeLocked, "")
		}
		return
	}
}

// unlock clears the strikes after a successful sign-in.
func (s *Service) unlock(ctx context.Context, uid string) {
	if err := s.Store.DeleteLock(ctx, uid); err != nil {
		s.Log.ErrorContext(ctx, "second-factor lock: clear", "userId", uid, "error", err.Error())
	}
}
