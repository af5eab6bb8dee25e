package profile

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/phone"
	"github.com/example/myprofile/shared/profile/basic"
)

// Days are the keys of Availability.Weekly, Monday first.
var Days = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// MaxIntervalsPerDay bounds one day's availability.
const MaxIntervalsPerDay = 10

// MaxDetailsLength bounds a meeting location's details, in characters.
const MaxDetailsLength = 500

// MeetingTypes are the meeting location types of API.md.
var MeetingTypes = []string{"zoom", "phone", "in_person", "custom"}

// ParseClock reads "HH:MM" (00:00-23:59; "24:00" only when end is true)
// and returns minutes since midnight.
func ParseClock(s string, end bool) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if end && h == 24 && m == 0 {
		return 24 * 60, true
	}
	if h > 23 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

// CleanWeekly checks weekly hours: known days, intervals "HH:MM"-"HH:MM"
// with start before end, at most 10 a day, not overlapping (touching is
// fine). Intervals come back sorted by start. Problems are recorded under
// field.<day>[i].
func CleanWeekly(field string, weekly map[string][]account.Interval, v *account.Validation) map[string][]account.Interval {
	out := map[string][]account.Interval{}
	known := map[string]bool{}
	for _, d := range Days {
		known[d] = true
	}
	days := make([]string, 0, len(weekly))
	for d := range weekly {
		days = append(days, d)
	}
	sort.Strings(days)
	for _, day := range days {
		list := weekly[day]
		path := field + "." + day
		if !known[day] {
			v.Add(path, "is not a day; use mon, tue, wed, thu, fri, sat or sun")
			continue
		}
		if len(list) > MaxIntervalsPerDay {
			v.Add(path, fmt.Sprintf("must have at most %d intervals", MaxIntervalsPerDay))
			continue
		}
		type span struct{ start, end int }
		spans := make([]span, 0, len(list))
		ok := true
		for i, in := range list {
			s, okS := ParseClock(in.Start, false)
			e, okE := ParseClock(in.End, true)
			switch {
			case !okS:
				v.Add(fmt.Sprintf("%s[%d].start", path, i), `must be a time "HH:MM"`)
				ok = false
			case !okE:
				v.Add(fmt.Sprintf("%s[%d].end", path, i), `must be a time "HH:MM"`)
				ok = false
			case s >= e:
				v.Add(fmt.Sprintf("%s[%d]", path, i), "must start before it ends")
				ok = false
			default:
				spans = append(spans, span{s, e})
			}
		}
		if !ok {
			continue
		}
		sorted := make([]account.Interval, len(list))
		copy(sorted, list)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
		sort.SliceStable(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
		for i := 1; i < len(spans); i++ {
			if spans[i].start < spans[i-1].end {
				v.Add(path, "has overlapping intervals")
				ok = false
				break
			}
		}
		if ok {
			out[day] = sorted
		}
	}
	return out
}

// cleanText checks free text: valid UTF-8, at most max characters, no
// control characters except line breaks and tabs. It returns the trimmed
// text or a message.
func cleanText(s string, max int) (string, string) {
	if !utf8.ValidString(s) {
		return "", "must be valid UTF-8 text"
	}
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max {
		return "", fmt.Sprintf("must be at most %d characters", max)
	}
	for _, r := range s {
		if (unicode.IsControl(r) && r != '\n' && r != '\t') || unicode.Is(unicode.Cf, r) {
			return "", "must not contain control characters"
		}
	}
	return s, ""
}

// CleanMeetingLocation checks a meeting location: a known type; details
// are free text, except an https link for zoom and a valid phone number
// for phone (stored in E.164; region is the default for national numbers).
func CleanMeetingLocation(field string, m account.MeetingLocation, region string, v *account.Validation) account.MeetingLocation {
	known := false
	for _, t := range MeetingTypes {
		known = known || m.Type == t
	}
	if !known {
		v.Add(field+".type", "must be one of zoom, phone, in_person, custom")
		return m
	}
	details, msg := cleanText(m.Details, MaxDetailsLength)
	if msg != "" {
		v.Add(field+".details", msg)
		return m
	}
	m.Details = details
	if details == "" {
		return m
	}
	switch m.Type {
	case "zoom":
		u, err := url.Parse(details)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || strings.ContainsAny(details, " \n\t") {
			v.Add(field+".details", "must be an https meeting link")
		}
	case "phone":
		// Only shown to whoever books a meeting: a shape check (no
		// parser linked in this function), not a test of the number.
		n, err := phone.CleanE164(details, region)
		if err != nil {
			v.Add(field+".details", "must be a valid phone number with its country code")
			return m
		}
		m.Details = n
	}
	return m
}

func patchAvailability(u *account.User, raw json.RawMessage, v *account.Validation) {
	var next account.Availability
	if basic.IsNull(raw) {
		next = account.Availability{}
	} else if !mergeMember("availability", u.Availability, raw, &next, v) {
		return
	}
	before := len(v.Fields)
	if next.Timezone == "" {
		next.Timezone = u.Timezone
	} else if tz, msg := basic.CleanTimezone(next.Timezone); msg != "" {
		v.Add("availability.timezone", msg)
	} else {
		next.Timezone = tz
	}
	if next.MeetingLocation.Type == "" {
		next.MeetingLocation.Type = "custom"
	}
	region := u.Region // for a number written without its country code
	if region == "" {
		region = u.PhoneCountry
	}
	next.MeetingLocation = CleanMeetingLocation("availability.meetingLocation", next.MeetingLocation, region, v)
	next.Weekly = CleanWeekly("availability.weekly", next.Weekly, v)
	if len(v.Fields) == before {
		u.Availability = next
	}
}
