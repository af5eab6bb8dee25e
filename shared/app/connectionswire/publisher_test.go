package connectionswire_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/example/myprofile/shared/app/connectionswire"
	"github.com/example/myprofile/shared/connections"
	"github.com/example/myprofile/shared/events"
)

type memOutbox struct{ kept map[string]events.Event }

func (o *memOutbox) PutEvent(_ context.Context, e events.Event) error {
	o.kept[e.ID] = e
	return nil
}
func (o *memOutbox) DeleteEvent(_ context.Context, e events.Event) error {
	delete(o.kept, e.ID)
	return nil
}
func (o *memOutbox) PendingEvents(context.Context, int) ([]events.Event, error) { return nil, nil }

type recordingBus struct{ in []*eventbridge.PutEventsInput }

func (b *recordingBus) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	b.in = append(b.in, in)
	return &eventbridge.PutEventsOutput{Entries: make([]ebtypes.PutEventsResultEntry, len(in.Entries))}, nil
}

// A connections event goes through the domain events outbox to the bus,
// with ids only (the account's address left out), and leaves no outbox
// item once published.
func TestBusPublisher(t *testing.T) {
	bus := &recordingBus{}
	box := &memOutbox{kept: map[string]events.Event{}}
	em := &events.Emitter{Outbox: box, Bus: events.Bus{Client: bus, Name: "platform"}, Now: func() time.Time { return time.Unix(1e9, 0) }}
	var p connections.Publisher = connectionswire.BusPublisher{Events: em}
	ev := connections.MailSyncEvent{UserID: "u1", ConnectionID: "c1", Provider: "google", Account: "ada@example.com"}
	if err := p.Publish(context.Background(), connections.EventMailSyncEnabled, ev); err != nil {
		t.Fatalf("publish: %v", err)
	}
	if len(bus.in) != 1 || len(bus.in[0].Entries) != 1 {
		t.Fatalf("PutEvents calls = %+v, want one entry", bus.in)
	}
	entry := bus.in[0].Entries[0]
	if *entry.DetailType != "Mail Sync Enabled" || *entry.Source != "myprofile" || *entry.EventBusName != "platform" {
		t.Errorf("entry = %s %s %s", *entry.DetailType, *entry.Source, *entry.EventBusName)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(*entry.Detail), &d); err != nil {
		t.Fatal(err)
	}
	delete(d, "eventId")
	delete(d, "occurredAt")
	if want := map[string]any{"userId": "u1", "connectionId": "c1", "provider": "google"}; !reflect.DeepEqual(d, want) {
		t.Errorf("detail = %v, want %v", d, want)
	}
	if len(box.kept) != 0 {
		t.Errorf("outbox keeps %d published events", len(box.kept))
	}
}
