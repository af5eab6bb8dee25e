package account

import "fmt"

// Clock is a local wall-clock time of day, "HH:MM" in 24-hour form (the
// daily summary time, for one).
type Clock struct{ Hour, Minute int }

// ParseClock parses "HH:MM" (00:00 to 23:59, two digits each).
func ParseClock(s string) (Clock, error) {
	if len(s) != 5 || s[2] != ':' {
		return Clock{}, fmt.Errorf("time %q: want HH:MM", s)
	}
	d := func(b byte) (int, bool) { return int(b - '0'), b >= '0' && b <= '9' }
	h1, ok1 := d(s[0])
	h2, ok2 := d(s[1])
	m1, ok3 := d(s[3])
	m2, ok4 := d(s[4])
	c := Clock{Hour: h1*10 + h2, Minute: m1*10 + m2}
	if !ok1 || !ok2 || !ok3 || !ok4 || c.Hour > 23 || c.Minute > 59 {
		return Clock{}, fmt.Errorf("time %q: want HH:MM between 00:00 and 23:59", s)
	}
	return c, nil
}

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }
