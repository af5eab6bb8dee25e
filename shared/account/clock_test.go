package account

import "testing"

func TestParseClock(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Clock
	}{
		{"00:00", Clock{0, 0}}, {"09:05", Clock{9, 5}}, {"23:59", Clock{23, 59}},
	} {
		c, err := ParseClock(tt.in)
		if err != nil || c != tt.want {
			t.Errorf("ParseClock(%q) = %v, %v; want %v", tt.in, c, err, tt.want)
		}
		if c.String() != tt.in {
			t.Errorf("%v.String() = %q, want %q", c, c.String(), tt.in)
		}
	}
	for _, bad := range []string{"", "9:00", "24:00", "12:60", "12-00", "ab:cd", "12:000", " 1:00"} {
		if _, err := ParseClock(bad); err == nil {
			t.Errorf("ParseClock(%q) accepted", bad)
		}
	}
}
