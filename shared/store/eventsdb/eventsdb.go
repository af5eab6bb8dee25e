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
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/events"
	"github.com/example/myprofile/shared/store"
)

// Keep is how long an unpublished event stays before its ttl removes it.
const Keep = 14 * 24 * time.Hour

// MaxTransactItems is how many writes one DynamoDB TransactWriteItems
// takes: a change and the outbox puts of its events fit within it.
const MaxTransactItems = 100

// Outbox stores events in the table.
type Outbox struct{ *store.Store }

var _ events.Outbox = Outbox{}

// New returns the outbox of st's table.
func New(st *store.Store) Outbox { return Outbox{st} }

func sk(e events.Event) string {
	return e.OccurredAt.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + e.ID
}

// Item is the outbox item of e.
func Item(e events.Event) (store.Item, error) {
	it, err := store.Marshal(store.PKOutbox, sk(e), e)
	if err != nil {
		return nil, err
	}
	it[store.AttrTTL] = store.TTL(e.OccurredAt.Add(Keep))
	return it, nil
}

// TransactPuts are the writes that put evs in the outbox of table, for a
// store to add to the TransactWriteItems of the change they report: the
// events are then recorded if and only if the change commits (one item
// each, counted in the transaction's 100-item limit).
func TransactPuts(table string, evs []events.Event) ([]ddbtypes.TransactWriteItem, error) {
	out := make([]ddbtypes.TransactWriteItem, 0, len(evs))
	for _, e := range evs {
		it, err := Item(e)
		if err != nil {
			return nil, err
		}
		out = append(out, ddbtypes.TransactWriteItem{Put: &ddbtypes.Put{TableName: aws.String(table), Item: it}})
	}
	return out, nil
}

// PutEvent stores an event not yet published.
func (o Outbox) PutEvent(ctx context.Context, e events.Event) error {
	it, err := Item(e)
	if err != nil {
		return err
	}
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
