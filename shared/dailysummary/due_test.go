package dailysummary

import (
	"testing"
	"time"

	"github.com/example/myprofile/shared/account"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDueOn(t *testing.T) {
	tests := []struct {
		name string
		zone string
		day  Day
		at   string
		want string
	}{
		{"new york before spring forward", "America/New_York", "2026-03-07", "07:30", "2026-03-07T12:30:00Z"},
		{"new york on spring-forward day", "America/New_York", "2026-03-08", "07:30", "2026-03-08T11:30:00Z"},
		{"new york skipped 02:30 goes at the transition 03:00 EDT", "America/New_York", "2026-03-08", "02:30", "2026-03-08T07:00:00Z"},
		{"new york repeated 01:30 goes once, at the first (EDT)", "America/New_York", "2026-11-01", "01:30", "2026-11-01T05:30:00Z"},
		{"new york after fall back", "America/New_York", "2026-11-01", "07:30", "2026-11-01T12:30:00Z"},
		{"berlin skipped 02:30", "Europe/Berlin", "2026-03-29", "02:30", "2026-03-29T01:00:00Z"},
		{"berlin repeated 02:30 first occurrence", "Europe/Berlin", "2026-10-25", "02:30", "2026-10-25T00:30:00Z"},
		{"berlin summer", "Europe/Berlin", "2026-07-01", "07:30", "2026-07-01T05:30:00Z"},
		{"lord howe skipped 02:15 in the 30-minute gap", "Australia/Lord_Howe", "2026-10-04", "02:15", "2026-10-03T15:30:00Z"},
		{"lord howe repeated 01:45 first occurrence", "Australia/Lord_Howe", "2026-04-05", "01:45", "2026-04-04T14:45:00Z"},
		{"lord howe standard time +10:30", "Australia/Lord_Howe", "2026-04-05", "07:30", "2026-04-04T21:00:00Z"},
		{"kolkata half-hour offset, no DST", "Asia/Kolkata", "2026-03-08", "07:30", "2026-03-08T02:00:00Z"},
		{"chatham skipped 03:00 goes at 03:45 +13:45", "Pacific/Chatham", "2026-09-27", "03:00", "2026-09-26T14:00:00Z"},
		{"chatham repeated 03:00 first occurrence", "Pacific/Chatham", "2026-04-05", "03:00", "2026-04-04T13:15:00Z"},
		{"chatham standard +12:45", "Pacific/Chatham", "2026-04-05", "07:30", "2026-04-04T18:45:00Z"},
		{"utc midnight", "UTC", "2026-01-01", "00:00", "2026-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := account.ParseClock(tt.at)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DueOn(tt.day, c, mustLoc(t, tt.zone))
			if err != nil {
				t.Fatal(err)
			}
			if want := utc(tt.want); !got.Equal(want) {
				t.Errorf("DueOn(%s %s %s) = %s, want %s", tt.day, tt.at, tt.zone, got.Format(time.RFC3339), tt.want)
			}
		})
	}
}

func TestNextDue(t *testing.T) {
	tests := []struct {
		name        string
		zone        string
		now         string // the injected clock
		at          string
		sentThrough Day
		wantDue     string
		wantDay     Day
	}{
		{"later today", "America/New_York", "2026-03-08T06:00:00Z", "02:30", "", "2026-03-08T07:00:00Z", "2026-03-08"},
		{"already past today: tomorrow", "America/New_York", "2026-03-08T12:00:00Z", "07:30", "", "2026-03-09T11:30:00Z", "2026-03-09"},
		{"exactly now is due now", "America/New_York", "2026-03-08T11:30:00Z", "07:30", "", "2026-03-08T11:30:00Z", "2026-03-08"},
		{"today already sent: tomorrow", "America/New_York", "2026-03-08T06:00:00Z", "02:30", "2026-03-08", "2026-03-09T06:30:00Z", "2026-03-09"},
		{"fall back day, repeated hour, sent once", "America/New_York", "2026-11-01T05:00:00Z", "01:30", "", "2026-11-01T05:30:00Z", "2026-11-01"},
		{"second 01:30 of fall back day is not due again", "America/New_York", "2026-11-01T06:00:00Z", "01:30", "", "2026-11-02T06:30:00Z", "2026-11-02"},
		{"kolkata local date ahead of utc", "Asia/Kolkata", "2026-03-08T19:00:00Z", "07:30", "", "2026-03-09T02:00:00Z", "2026-03-09"},
		{"chatham a day ahead of utc", "Pacific/Chatham", "2026-03-08T12:00:00Z", "07:30", "", "2026-03-08T17:45:00Z", "2026-03-09"},
		{"lord howe next day across the spring gap", "Australia/Lord_Howe", "2026-10-03T12:00:00Z", "02:15", "", "2026-10-03T15:30:00Z", "2026-10-04"},
		{"berlin sent through a future day (zone moved west)", "Europe/Berlin", "2026-07-01T04:00:00Z", "07:30", "2026-07-03", "2026-07-04T05:30:00Z", "2026-07-04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := account.ParseClock(tt.at)
			if err != nil {
				t.Fatal(err)
			}
			clock := func() time.Time { return utc(tt.now) }
			due, day, err := NextDue(clock(), c, mustLoc(t, tt.zone), tt.sentThrough)
			if err != nil {
				t.Fatal(err)
			}
			if !due.Equal(utc(tt.wantDue)) || day != tt.wantDay {
				t.Errorf("NextDue = %s (%s), want %s (%s)", due.Format(time.RFC3339), day, tt.wantDue, tt.wantDay)
			}
		})
	}
}
