package dailysummary

import (
	"context"
	"errors"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/prefs"
)

// Shards is the number of index partitions due entries are spread over, so
// that no single partition holds everyone. Changing it needs a re-index.
const Shards = 16

// ShardOf is the index shard of a user.
func ShardOf(userID string) int {
	h := fnv.New32a()
	h.Write([]byte(userID))
	return int(h.Sum32() % Shards)
}

// ErrLost is returned by Store.ClaimDigest and Store.ReleaseDigest when the entry no
// longer holds the value read: another run claimed it, or the user changed
// their preference meanwhile.
var ErrLost = errors.New("digest: schedule entry changed")

// ErrReplaced is returned by Store.TakeDigest when the claimed day was never
// taken and a later day has been claimed since: that day's summary will not
// be sent (a send that failed for longer than a day, or a redrive from the
// dead-letter queue after the next claim).
var ErrReplaced = errors.New("digest: claimed day replaced by a later one")

// Entry is one user's place in the due index.
type Entry struct {
	UserID   string
	Due      time.Time // next due instant (whole seconds, UTC)
	Day      Day       // the local day Due belongs to
	Timezone string    // IANA zone Due was computed in
	Time     string    // "HH:MM" Due was computed from
	// SentThrough is the last local day a summary was sent for ("" none).
	SentThrough Day
	// SourceVersion is the user record version the entry was computed from.
	SourceVersion int64
}

// SortKey is the entry's position within its shard: the due instant in
// zero-padded Unix seconds, then the user id (unique per user and due).
func (e Entry) SortKey() string { return DueKey(e.Due) + "#" + e.UserID }

// DueKey is the zero-padded Unix seconds prefix of sort keys; every entry
// due strictly before t sorts below DueKey(t).
func DueKey(t time.Time) string {
	s := strconv.FormatInt(t.Unix(), 10)
	for len(s) < 12 {
		s = "0" + s
	}
	return s
}

// Store is the storage the daily summary needs.
type Store interface {
	// ScheduleDigest writes the user's entry unless the stored one was computed
	// from version e.SourceVersion or later (then it does nothing and
	// returns nil: a newer hook already ran). It leaves SentThrough as
	// stored.
	ScheduleDigest(ctx context.Context, e Entry) error
	// UnscheduleDigest takes the user out of the due index (keeping the
	// record of the last day sent), with the same version rule.
	UnscheduleDigest(ctx context.Context, userID string, sourceVersion int64) error
	// DeleteDigest removes the entry of a deleted account; it never
	// creates one.
	DeleteDigest(ctx context.Context, userID string) error
	// DigestSchedule reads a user's entry (strongly consistent);
	// account.ErrNotFound if there is none or it is not in the index.
	DigestSchedule(ctx context.Context, userID string) (Entry, error)
	// DueDigests returns up to limit entries of one shard due before `before`,
	// in due order, starting after cursor ("" for the first page). next is
	// "" after the last page; read is the number of index items read.
	DueDigests(ctx context.Context, shard int, before time.Time, cursor string, limit int) (entries []Entry, next string, read int, err error)
	// ClaimDigest moves the entry from `from` (as read) to `to`, records
	// from.Day as sent and marks it pending delivery (the token TakeDigest
	// consumes), only if the stored entry still has from's due sort key and
	// its last sent day is before from.Day; otherwise ErrLost.
	ClaimDigest(ctx context.Context, from, to Entry) error
	// ReleaseDigest undoes a Claim: it restores `from` (and the previous last
	// day sent) and clears the pending mark, if the entry still holds `to`;
	// otherwise ErrLost.
	ReleaseDigest(ctx context.Context, from, to Entry) error
	// TakeDigest consumes the pending mark of the user's claimed day, so that
	// only one delivery of a queued claim sends it: ErrLost when the day is
	// not (or no longer) pending — already taken or released; ErrReplaced
	// when a later day was claimed before this one was taken.
	TakeDigest(ctx context.Context, userID string, day Day) error
	// ReturnDigest puts the pending mark back after a failed send, so that a
	// redelivery can take the day again; ErrLost when a later day was
	// claimed meanwhile or the day was released.
	ReturnDigest(ctx context.Context, userID string, day Day) error
	// SkipDigest moves the entry from `from` to `to` without recording a sent
	// day, only if it still holds from's sort key; otherwise ErrLost.
	SkipDigest(ctx context.Context, from, to Entry) error
	// GetUser reads a user (strongly consistent); account.ErrNotFound.
	GetUser(ctx context.Context, userID string) (account.User, error)
	// DigestInputs reads everything a summary of the user's day needs, in
	// one Query on the user's partition: the user, their notification
	// preferences and their live activities that start in [from, to),
	// ordered by start. account.ErrNotFound when the user is gone.
	DigestInputs(ctx context.Context, userID string, from, to time.Time) (Inputs, error)
	// ActivitiesBetween returns the user's live (not cancelled) activities that
	// start in [from, to), ordered by start.
	ActivitiesBetween(ctx context.Context, userID string, from, to time.Time) ([]Activity, error)
	// PutActivity stores a (user, activity) version unless the stored one
	// has the same or a newer version. applied is false when it was older
	// or a duplicate.
	PutActivity(ctx context.Context, a Activity) (applied bool, err error)
}

// Inputs is what one summary is made of (Store.DigestInputs).
type Inputs struct {
	User account.User
	// Prefs are the user's notification preferences (the defaults when
	// none are stored).
	Prefs prefs.Preferences
	// Activities are the day's live activities, ordered by start.
	Activities []Activity
}

// Activity kinds.
const (
	KindTask        = "task"
	KindAppointment = "appointment"
)

// Activity is the table's copy of one task or appointment of one user.
type Activity struct {
	ID       string    `dynamodbav:"activityId"`
	UserID   string    `dynamodbav:"userId"`
	Kind     string    `dynamodbav:"kind"` // task, appointment
	Title    string    `dynamodbav:"title"`
	Start    time.Time `dynamodbav:"startAt"` // appointment start, or task due time
	End      time.Time `dynamodbav:"endAt,omitempty"`
	Location string    `dynamodbav:"location,omitempty"`
	// Version orders the updates of one activity (from the source system);
	// an older version never overwrites a newer one.
	Version   int64     `dynamodbav:"version"`
	UpdatedAt time.Time `dynamodbav:"updatedAt"`
	Cancelled bool      `dynamodbav:"cancelled"`
}
