package dailysummary

import (
	"context"
	"fmt"
	"time"
	_ "time/tzdata" // Lambda's provided.al2023 has no zoneinfo; the time zones this package loads must load anyway

	"github.com/example/myprofile/shared/account"
)

// Scheduler keeps a user's due index entry in step with their profile.
type Scheduler struct {
	Store Store
	Now   func() time.Time
}

// AfterSave is the profile's AfterSave hook: when the daily summary
// preference or the time zone changed, it recomputes the user's entry.
// With the summary on it writes the entry even when nothing changed: a save
// whose hook failed (the client saw a 500 and sent the same change again)
// would otherwise leave an enabled user with no entry, which the run cannot
// find. It is idempotent, and a hook that runs late never overwrites the
// entry of a newer user version (the store conditions on the source
// version).
func (s *Scheduler) AfterSave(ctx context.Context, before, after account.User) error {
	before.Defaults()
	after.Defaults()
	if before.DailySummary == after.DailySummary && before.Timezone == after.Timezone && !after.DailySummary.Enabled {
		return nil
	}
	return s.Sync(ctx, after)
}

// Sync writes the user's entry from the user record: in the index at the
// next due instant when the summary is on, out of it when off.
func (s *Scheduler) Sync(ctx context.Context, u account.User) error {
	u.Defaults()
	if !u.DailySummary.Enabled {
		if err := s.Store.UnscheduleDigest(ctx, u.ID, u.Version); err != nil {
			return fmt.Errorf("digest: unschedule user: %w", err)
		}
		return nil
	}
	e, err := entryFor(u, s.Now(), "")
	if err != nil {
		return err
	}
	if err := s.Store.ScheduleDigest(ctx, e); err != nil {
		return fmt.Errorf("digest: schedule user: %w", err)
	}
	return nil
}

// entryFor computes the entry of an enabled user at now. Days up to
// sentThrough are skipped; the run also skips a due day already sent (the
// store keeps the last day sent, which this entry does not overwrite).
func entryFor(u account.User, now time.Time, sentThrough Day) (Entry, error) {
	loc, err := time.LoadLocation(u.Timezone)
	if err != nil {
		return Entry{}, fmt.Errorf("digest: user time zone: %w", err)
	}
	c, err := account.ParseClock(u.DailySummary.Time)
	if err != nil {
		return Entry{}, fmt.Errorf("digest: user summary time: %w", err)
	}
	due, day, err := NextDue(now, c, loc, sentThrough)
	if err != nil {
		return Entry{}, fmt.Errorf("digest: next due: %w", err)
	}
	return Entry{
		UserID: u.ID, Due: due, Day: day, Timezone: u.Timezone, Time: c.String(),
		SentThrough: sentThrough, SourceVersion: u.Version,
	}, nil
}
