package dailysummary

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"
)

// Activity events come from the platform on EventBridge with source
// catalog.ActivitySource ("platform.activities") and these detail types.
// The detail is ActivityDetail as JSON (samples: events/activity-*.json).
const (
	DetailScheduled = "Activity Scheduled"
	DetailUpdated   = "Activity Updated"
	DetailCancelled = "Activity Cancelled"
)

// ActivityDetail is the detail of an activity event. One event concerns one
// user's copy of an activity: an activity with several participants comes
// as one event per participant, and a reassignment as a cancellation for
// the old user and a scheduling for the new one.
//
//	{"activityId": "act_1", "userId": "u_1", "kind": "appointment"|"task",
//	 "title": "...", "startAt": RFC 3339, "endAt": RFC 3339 (optional),
//	 "location": "..." (optional), "version": 3, "updatedAt": RFC 3339}
//
// version increases with every change of the activity at the source; it is
// what orders updates (an older or repeated version is ignored). A
// cancellation needs only activityId, userId, version and updatedAt. For a
// task startAt is its due time.
type ActivityDetail struct {
	ActivityID string    `json:"activityId"`
	UserID     string    `json:"userId"`
	Kind       string    `json:"kind"`
	Title      string    `json:"title"`
	StartAt    time.Time `json:"startAt"`
	EndAt      time.Time `json:"endAt"`
	Location   string    `json:"location"`
	Version    int64     `json:"version"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// ErrBadEvent marks an event that can never be applied (unknown type,
// malformed detail). The function fails on it, so after the retries it lands
// in the dead-letter queue for someone to look at, instead of vanishing.
var ErrBadEvent = errors.New("digest: bad activity event")

// Activities keeps the table's copy of activities current.
type Activities struct {
	Store Store
	Log   *slog.Logger
}

// Handle applies one event. It is idempotent and order-safe: redelivered
// and out-of-order events leave the newest version stored.
func (h *Activities) Handle(ctx context.Context, detailType string, detail json.RawMessage) error {
	a, err := ParseActivity(detailType, detail)
	if err != nil {
		return err
	}
	applied, err := h.Store.PutActivity(ctx, a)
	if err != nil {
		return fmt.Errorf("digest: store activity: %w", err)
	}
	h.Log.Info("activity event", "detailType", detailType, "activity", a.ID, "user", a.UserID, "version", a.Version, "applied", applied)
	return nil
}

// ParseActivity validates an event's detail and returns the activity to store.
func ParseActivity(detailType string, detail json.RawMessage) (Activity, error) {
	var d ActivityDetail
	dec := json.NewDecoder(bytes.NewReader(detail))
	if err := dec.Decode(&d); err != nil {
		return Activity{}, fmt.Errorf("%w: detail: %w", ErrBadEvent, err)
	}
	var problems []string
	bad := func(s string) { problems = append(problems, s) }
	if d.ActivityID == "" || len(d.ActivityID) > 200 || strings.Contains(d.ActivityID, "#") {
		bad("activityId must be 1 to 200 characters without #")
	}
	if d.UserID == "" || len(d.UserID) > 200 || strings.Contains(d.UserID, "#") {
		bad("userId must be 1 to 200 characters without #")
	}
	if d.Version < 1 {
		bad("version must be a positive integer")
	}
	if d.UpdatedAt.IsZero() {
		bad("updatedAt is required")
	}
	a := Activity{ID: d.ActivityID, UserID: d.UserID, Version: d.Version, UpdatedAt: d.UpdatedAt.UTC()}
	switch detailType {
	case DetailCancelled:
		a.Cancelled = true
	case DetailScheduled, DetailUpdated:
		if d.Kind != KindTask && d.Kind != KindAppointment {
			bad(`kind must be "task" or "appointment"`)
		}
		if t := strings.TrimSpace(d.Title); t == "" || utf8.RuneCountInString(t) > 500 || !utf8.ValidString(t) {
			bad("title must be 1 to 500 characters")
		}
		if d.StartAt.IsZero() {
			bad("startAt is required")
		}
		if !d.EndAt.IsZero() && d.EndAt.Before(d.StartAt) {
			bad("endAt must not be before startAt")
		}
		if utf8.RuneCountInString(d.Location) > 500 {
			bad("location must be at most 500 characters")
		}
		a.Kind, a.Title, a.Location = d.Kind, strings.TrimSpace(d.Title), strings.TrimSpace(d.Location)
		a.Start = d.StartAt.UTC()
		if !d.EndAt.IsZero() {
			a.End = d.EndAt.UTC()
		}
	default:
		bad(fmt.Sprintf("unknown detail type %q", detailType))
	}
	if len(problems) > 0 {
		return Activity{}, fmt.Errorf("%w: %s", ErrBadEvent, strings.Join(problems, "; "))
	}
	return a, nil
}
