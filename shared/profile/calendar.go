package profile

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/profile/basic"
)

// MaxConflictCalendars bounds the calendars checked for conflicts.
const MaxConflictCalendars = 10

// MaxCalendarIDLength bounds a calendar id, in characters.
const MaxCalendarIDLength = 256

// CleanCalendar checks the calendar configuration: ids are single-line
// text up to 256 characters; at most 10 conflict calendars, none repeated
// and none equal to the primary calendar.
func CleanCalendar(field string, c account.Calendar, v *account.Validation) account.Calendar {
	id, msg := cleanText(c.PrimaryCalendarID, MaxCalendarIDLength)
	if msg == "" && containsLineBreak(id) {
		msg = "must be a single line"
	}
	if msg != "" {
		v.Add(field+".primaryCalendarId", msg)
	}
	c.PrimaryCalendarID = id
	if c.ConflictCalendarIDs == nil {
		c.ConflictCalendarIDs = []string{}
	}
	if len(c.ConflictCalendarIDs) > MaxConflictCalendars {
		v.Add(field+".conflictCalendarIds", fmt.Sprintf("must list at most %d calendars", MaxConflictCalendars))
		return c
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(c.ConflictCalendarIDs))
	for i, raw := range c.ConflictCalendarIDs {
		path := fmt.Sprintf("%s.conflictCalendarIds[%d]", field, i)
		cid, msg := cleanText(raw, MaxCalendarIDLength)
		switch {
		case msg != "":
			v.Add(path, msg)
		case cid == "":
			v.Add(path, "must not be empty")
		case containsLineBreak(cid):
			v.Add(path, "must be a single line")
		case seen[cid]:
			v.Add(path, "is listed twice")
		case cid == c.PrimaryCalendarID:
			v.Add(path, "must not be the primary calendar")
		}
		seen[cid] = true
		out = append(out, cid)
	}
	c.ConflictCalendarIDs = out
	return c
}

func containsLineBreak(s string) bool {
	for _, r := range s {
		if r == '\n' || r == '\t' {
			return true
		}
	}
	return false
}

func patchCalendar(u *account.User, raw json.RawMessage, v *account.Validation) {
	var next account.Calendar
	if basic.IsNull(raw) {
		next = account.Calendar{ConflictCalendarIDs: []string{}, PrivateSyncedEvents: true}
	} else if !mergeMember("calendar", u.Calendar, raw, &next, v) {
		return
	} else if removes(raw, "privateSyncedEvents") {
		next.PrivateSyncedEvents = true // null removes the member: back to its default
	}
	before := len(v.Fields)
	next = CleanCalendar("calendar", next, v)
	// clearedBy is the server's note of a disconnect: a patch may only
	// remove it (null); a new primary or conflict choice removes it too.
	switch {
	case basic.IsNull(raw), removes(raw, "clearedBy"):
		next.ClearedBy = nil
	case sets(raw, "clearedBy"):
		v.Add("calendar.clearedBy", "is set by the server; send null to dismiss it")
	case next.PrimaryCalendarID != u.Calendar.PrimaryCalendarID || !slices.Equal(next.ConflictCalendarIDs, u.Calendar.ConflictCalendarIDs):
		next.ClearedBy = nil
	default:
		next.ClearedBy = u.Calendar.ClearedBy
	}
	if len(v.Fields) == before {
		u.Calendar = next
	}
}

// sets reports whether an object patch gives member a value (not null).
func sets(raw json.RawMessage, member string) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil && m[member] != nil && !basic.IsNull(m[member])
}

// removes reports whether an object patch sets member to null.
func removes(raw json.RawMessage, member string) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil && m[member] != nil && basic.IsNull(m[member])
}
