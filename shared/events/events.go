// Package events publishes domain events (an email changed, a member
// removed, an account deleted...) to an EventBridge bus so the rest of the
// platform can react, after the change is committed, and never fails the
// request that made the change.
//
// Delivery: a change made in one DynamoDB transaction puts its events in
// the outbox (an item each in the table, store/eventsdb.TransactPuts)
// within that transaction, so an event is recorded if and only if its
// change commits; Deliver then publishes them and deletes the outbox items.
// A change stored otherwise uses Emit, which writes the outbox item right
// after the change, then delivers. A publish
// that fails leaves the item for the scheduled sweep (Sweep), which
// publishes and deletes what is left; what still fails is counted
// (metric EventsPublishFailed) and logged. Consumers may see an event twice
// (a publish that succeeded but whose outbox delete failed): each event has
// a stable id to deduplicate on.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/uuid"

	"github.com/example/myprofile/shared/request"
)

// Detail types published (the "detail-type" of the EventBridge event).
const (
	UserEmailChanged    = "User Email Changed"
	UserPhoneChanged    = "User Phone Changed"
	UserDeleted         = "User Deleted"
	MemberAdded         = "Member Added"
	MemberRemoved       = "Member Removed"
	MemberRoleChanged   = "Member Role Changed"
	OrganizationDeleted = "Organization Deleted"
	ProfileUpdated      = "Profile Updated"
)

// DefaultSource is the events' source unless configured otherwise.
const DefaultSource = "myprofile"

// Event is one domain event. Detail holds ids and field names only, never
// secrets or personal values; OccurredAt and RequestID are added to it when
// published.
type Event struct {
	ID         string         `json:"id" dynamodbav:"id"`
	DetailType string         `json:"detailType" dynamodbav:"detailType"`
	Detail     map[string]any `json:"detail" dynamodbav:"detail"`
	OccurredAt time.Time      `json:"occurredAt" dynamodbav:"occurredAt"`
	RequestID  string         `json:"requestId,omitempty" dynamodbav:"requestId"`
}

// Body is the JSON detail sent to EventBridge: the event's detail with its
// id, occurredAt and requestId.
func (e Event) Body() (string, error) {
	d := make(map[string]any, len(e.Detail)+3)
	for k, v := range e.Detail {
		d[k] = v
	}
	d["eventId"] = e.ID
	d["occurredAt"] = e.OccurredAt.UTC().Format(time.RFC3339Nano)
	if e.RequestID != "" {
		d["requestId"] = e.RequestID
	}
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("event body: %w", err)
	}
	return string(b), nil
}

// PutEventsAPI is the EventBridge call the bus uses (eventbridge.Client).
type PutEventsAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Bus publishes events to one EventBridge bus.
type Bus struct {
	Client PutEventsAPI
	// Name is the bus name or ARN; "" is the account's default bus.
	Name string
	// Source is the events' source; "" is DefaultSource.
	Source string
}

// MaxBatch is how many entries one PutEvents call takes.
const MaxBatch = 10

// Publish sends events (at most MaxBatch) and returns the ids of those
// EventBridge did not take.
func (b Bus) Publish(ctx context.Context, evs []Event) (failed []string, err error) {
	if len(evs) > MaxBatch {
		return nil, fmt.Errorf("publish: %d events, at most %d", len(evs), MaxBatch)
	}
	src := b.Source
	if src == "" {
		src = DefaultSource
	}
	entries := make([]ebtypes.PutEventsRequestEntry, 0, len(evs))
	for _, e := range evs {
		body, err := e.Body()
		if err != nil {
			return nil, err
		}
		entry := ebtypes.PutEventsRequestEntry{Source: aws.String(src), DetailType: aws.String(e.DetailType),
			Detail: aws.String(body), Time: aws.Time(e.OccurredAt)}
		if b.Name != "" {
			entry.EventBusName = aws.String(b.Name)
		}
		entries = append(entries, entry)
	}
	out, err := b.Client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
	if err != nil {
		return nil, fmt.Errorf("put events: %w", err)
	}
	for i, r := range out.Entries {
		if r.ErrorCode != nil && i < len(evs) {
			failed = append(failed, evs[i].ID)
		}
	}
	return failed, nil
}

// Outbox keeps events until they are published.
type Outbox interface {
	// PutEvent stores an event not yet published.
	PutEvent(ctx context.Context, e Event) error
	// DeleteEvent removes a published event (idempotent).
	DeleteEvent(ctx context.Context, e Event) error
	// PendingEvents lists up to limit events not yet published, oldest first.
	PendingEvents(ctx context.Context, limit int) ([]Event, error)
}

// Publisher publishes events through its outbox.
type Publisher interface {
	Publish(ctx context.Context, evs []Event) (failed []string, err error)
}

// Emitter is what capabilities call after committing a change.
type Emitter struct {
	Outbox Outbox
	Bus    Publisher
	Now    func() time.Time
	Log    *slog.Logger
	// Failed, when set, counts events whose publish failed (metric
	// EventsPublishFailed); the sweep retries them.
	Failed func(ctx context.Context, n int)
}

// New makes an event of detailType with detail, now and the request's id.
// A nil Emitter makes one too (with the clock's time).
func (m *Emitter) New(ctx context.Context, detailType string, detail map[string]any) Event {
	now := time.Now
	if m != nil && m.Now != nil {
		now = m.Now
	}
	return Event{ID: uuid.NewString(), DetailType: detailType, Detail: detail, OccurredAt: now().UTC(), RequestID: request.ID(ctx)}
}

// Emit stores the events in the outbox and publishes them. It never
// returns an error: the change it reports is committed already, and an
// event the outbox keeps is published by the sweep. A nil Emitter emits
// nothing.
func (m *Emitter) Emit(ctx context.Context, evs ...Event) {
	if m == nil || len(evs) == 0 {
		return
	}
	for _, e := range evs {
		if err := m.Outbox.PutEvent(ctx, e); err != nil {
			m.log().WarnContext(ctx, "event outbox write failed; publishing directly", "detailType", e.DetailType, "eventId", e.ID, "err", err)
		}
	}
	m.Deliver(ctx, evs...)
}

// Deliver publishes events the outbox holds already (written in the same
// transaction as the change they report, store/eventsdb.TransactPut) and
// deletes them from it once published. Like Emit it never fails: what is
// not published stays for the sweep. A nil Emitter delivers nothing.
func (m *Emitter) Deliver(ctx context.Context, evs ...Event) {
	if m == nil || len(evs) == 0 {
		return
	}
	kept := evs
	for len(kept) > 0 {
		n := min(len(kept), MaxBatch)
		batch := kept[:n]
		kept = kept[n:]
		failed, err := m.Bus.Publish(ctx, batch)
		if err != nil {
			m.log().WarnContext(ctx, "event publish failed; the outbox sweep retries", "events", len(batch), "err", err)
			m.count(ctx, len(batch))
			continue
		}
		bad := map[string]bool{}
		for _, id := range failed {
			bad[id] = true
		}
		if len(failed) > 0 {
			m.log().WarnContext(ctx, "events refused by the bus; the outbox sweep retries", "events", len(failed))
			m.count(ctx, len(failed))
		}
		for _, e := range batch {
			if bad[e.ID] {
				continue
			}
			if err := m.Outbox.DeleteEvent(ctx, e); err != nil {
				m.log().WarnContext(ctx, "event published but kept in the outbox; it may be published twice", "eventId", e.ID, "err", err)
			}
		}
	}
}

// Sweep publishes what the outbox still holds (the scheduled
// events-outbox function) and deletes what was published. It returns how
// many were published and how many failed again.
func (m *Emitter) Sweep(ctx context.Context, limit int) (published, failed int, err error) {
	evs, err := m.Outbox.PendingEvents(ctx, limit)
	if err != nil {
		return 0, 0, err
	}
	var errs []error
	for len(evs) > 0 {
		n := min(len(evs), MaxBatch)
		batch := evs[:n]
		evs = evs[n:]
		bad, err := m.Bus.Publish(ctx, batch)
		if err != nil {
			failed += len(batch)
			errs = append(errs, err)
			continue
		}
		refused := map[string]bool{}
		for _, id := range bad {
			refused[id] = true
		}
		failed += len(bad)
		for _, e := range batch {
			if refused[e.ID] {
				continue
			}
			if err := m.Outbox.DeleteEvent(ctx, e); err != nil {
				errs = append(errs, err)
			}
			published++
		}
	}
	if failed > 0 {
		m.count(ctx, failed)
	}
	return published, failed, errors.Join(errs...)
}

func (m *Emitter) count(ctx context.Context, n int) {
	if m.Failed != nil {
		m.Failed(ctx, n)
	}
}

func (m *Emitter) log() *slog.Logger {
	if m.Log != nil {
		return m.Log
	}
	return slog.Default()
}
