// Package eventsdb is the events outbox in the single table: one item per
// event not yet published, OUTBOX/<occurredAt>#<eventId>, deleted once
// published (events.Emitter, the events-outbox sweep).
package eventsdb

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/myprofile/shared/events"
	"github.com/example/myprofile/shared/store"
)

// Keep is how long an unpublished event stays before its ttl removes it.
const Keep = 14 * 24 * time.Hour

// Outbox stores events in the table.
type Outbox struct{ *store.Store }

var _ events.Outbox = Outbox{}

// New returns the outbox of st's table.
func New(st *store.Store) Outbox { return Outbox{st} }

func sk(e events.Event) string {
	return e.OccurredAt.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + e.ID
}

// PutEvent stores an event not yet published.
func (o Outbox) PutEvent(ctx context.Context, e events.Event) error {
	it, err := store.Marshal(store.PKOutbox, sk(e), e)
	if err != nil {
		return err
	}
	it[store.AttrTTL] = store.TTL(e.OccurredAt.Add(Keep))
	if _, err := o.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &o.Table, Item: it}); err != nil {
		return fmt.Errorf("put event: %w", err)
	}
	return nil
}

// DeleteEvent removes a published event.
func (o Outbox) DeleteEvent(ctx context.Context, e events.Event) error {
	if _, err := o.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &o.Table, Key: store.Key(store.PKOutbox, sk(e))}); err != nil {
		return fmt.Errorf("delete event: %w", err)
	}
	return nil
}

// PendingEvents lists up to limit unpublished events, oldest first.
func (o Outbox) PendingEvents(ctx context.Context, limit int) ([]events.Event, error) {
	out, err := o.DB.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &o.Table,
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: store.Item{":pk": store.S(store.PKOutbox)},
		ConsistentRead:            aws.Bool(true),
		Limit:                     aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("pending events: %w", err)
	}
	evs := make([]events.Event, 0, len(out.Items))
	for _, it := range out.Items {
		var e events.Event
		if err := store.Unmarshal(it, &e); err != nil {
			return nil, err
		}
		evs = append(evs, e)
	}
	return evs, nil
}
