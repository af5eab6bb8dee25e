package dailysummary

import (
	"fmt"
	"time"

	"github.com/example/myprofile/shared/account"
)

// Clock is the wall-clock time of day a summary is sent.
type Clock = account.Clock

// Day is a local calendar date, "YYYY-MM-DD"; such strings sort by date.
type Day string

// DayOf is the local date of t in loc.
func DayOf(t time.Time, loc *time.Location) Day { return Day(t.In(loc).Format(time.DateOnly)) }

func (d Day) date() (time.Time, error) {
	t, err := time.Parse(time.DateOnly, string(d))
	if err != nil {
		return time.Time{}, fmt.Errorf("day %q: %w", string(d), err)
	}
	return t, nil
}

// Next is the following calendar day.
func (d Day) Next() (Day, error) {
	t, err := d.date()
	if err != nil {
		return "", err
	}
	return Day(t.AddDate(0, 0, 1).Format(time.DateOnly)), nil
}

// DueOn returns the instant at which wall clock c occurs on local day d in
// loc, DST-correct:
//   - a wall time that occurs twice (the repeated hour when clocks fall
//     back) is due at its first occurrence, so it is sent once;
//   - a wall time that does not exist (skipped when clocks spring forward)
//     is due at the first valid instant after it: the transition itself.
func DueOn(d Day, c Clock, loc *time.Location) (time.Time, error) {
	date, err := d.date()
	if err != nil {
		return time.Time{}, err
	}
	// wall is the wall time written as if it were UTC; an instant t shows it
	// in loc when t + offset(t) == wall.
	wall := time.Date(date.Year(), date.Month(), date.Day(), c.Hour, c.Minute, 0, 0, time.UTC)
	// Offsets are within ±14h, so every instant that can show this wall
	// time lies within wall ± 15h; collect the offsets in force there.
	offsets := map[int]bool{}
	for h := -15; h <= 15; h++ {
		_, off := wall.Add(time.Duration(h) * time.Hour).In(loc).Zone()
		offsets[off] = true
	}
	var best time.Time
	for off := range offsets {
		t := wall.Add(-time.Duration(off) * time.Second)
		if _, o := t.In(loc).Zone(); o != off {
			continue // that offset is not in force at t: no match
		}
		if best.IsZero() || t.Before(best) {
			best = t
		}
	}
	if !best.IsZero() {
		return best.UTC(), nil
	}
	// A gap: find the transition by bisection. Before it, wall clocks read
	// earlier than wall; from it on, later.
	lo, hi := wall.Add(-15*time.Hour), wall.Add(15*time.Hour)
	shows := func(t time.Time) time.Time {
		_, off := t.In(loc).Zone()
		return t.Add(time.Duration(off) * time.Second)
	}
	if !shows(lo).Before(wall) || shows(hi).Before(wall) {
		return time.Time{}, fmt.Errorf("no instant shows %s %s in %s", d, c, loc)
	}
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
		if mid.Equal(lo) {
			mid = lo.Add(time.Second)
		}
		if shows(mid).Before(wall) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi.UTC(), nil
}

// NextDue returns the first due instant at or after now for a user whose
// summary goes out at c in loc, and the local day it belongs to, skipping
// every day up to and including sentThrough (the last day already sent;
// "" for none) so that a change of time or zone never sends a day twice.
func NextDue(now time.Time, c Clock, loc *time.Location, sentThrough Day) (time.Time, Day, error) {
	day := DayOf(now, loc)
	// The local day of now may be a day behind its due day when the due
	// instant of "yesterday" lies after now (never in practice, but cheap).
	if prev, err := prevDay(day); err == nil {
		day = prev
	}
	for range 5 {
		if sentThrough == "" || day > sentThrough {
			due, err := DueOn(day, c, loc)
			if err != nil {
				return time.Time{}, "", err
			}
			if !due.Before(now) {
				return due, day, nil
			}
		}
		next, err := day.Next()
		if err != nil {
			return time.Time{}, "", err
		}
		day = next
	}
	// sentThrough lies in the future (a clock moved back, or a zone moved
	// west): the first day after it.
	day, err := sentThrough.Next()
	if err != nil {
		return time.Time{}, "", err
	}
	due, err := DueOn(day, c, loc)
	return due, day, err
}

func prevDay(d Day) (Day, error) {
	t, err := d.date()
	if err != nil {
		return "", err
	}
	return Day(t.AddDate(0, 0, -1).Format(time.DateOnly)), nil
}

// DueAfter returns the due instant of the day after d: where a claimed
// entry moves to.
func DueAfter(d Day, c Clock, loc *time.Location) (time.Time, Day, error) {
	next, err := d.Next()
	if err != nil {
		return time.Time{}, "", err
	}
	due, err := DueOn(next, c, loc)
	return due, next, err
}
