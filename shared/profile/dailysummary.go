package profile

import (
	"encoding/json"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/profile/basic"
)

// DefaultDailySummaryTime is the send time of a user who never chose one.
const DefaultDailySummaryTime = "07:30"

// patchDailySummary merges {enabled, time} (RFC 7396): null for the whole
// member turns the summary off at the default time; a null time falls back
// to the default. time is "HH:MM", 24-hour, in the user's time zone; runs
// every 5 minutes send it within 5 minutes after that time. Keeping the due
// index current is the daily summary scheduler's AfterSave hook.
func patchDailySummary(u *account.User, raw json.RawMessage, v *account.Validation) {
	if basic.IsNull(raw) {
		u.DailySummary = account.DailySummary{Enabled: false, Time: DefaultDailySummaryTime}
		return
	}
	var next account.DailySummary
	if !mergeMember("dailySummary", u.DailySummary, raw, &next, v) {
		return
	}
	if next.Time == "" {
		next.Time = DefaultDailySummaryTime
	}
	if _, err := account.ParseClock(next.Time); err != nil {
		v.Add("dailySummary.time", "must be a time of day HH:MM between 00:00 and 23:59")
		return
	}
	u.DailySummary = next
}
