package connectionswire

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/eventswire"
	"github.com/example/myprofile/shared/connections"
	domain "github.com/example/myprofile/shared/events"
)

// publisher returns the connections' event publisher: the domain events
// emitter (outbox, bus, sweep) when the function may publish
// (EVENT_BUS_NAME set), else a log line.
func publisher(d *app.Deps) connections.Publisher {
	if em := eventswire.Emitter(d); em != nil {
		return BusPublisher{Events: em}
	}
	return connections.LogPublisher{Log: d.Log}
}

// BusPublisher publishes the connections' events (Mail Sync Enabled and
// Disabled) through the domain events emitter: outbox item, publish to
// the bus, the events-outbox sweep for what failed. The detail keeps ids
// only: the connected account's address ("account") is left out, as every
// domain event leaves out addresses (docs/events.md); the consumer reads
// the connection by its id.
type BusPublisher struct{ Events *domain.Emitter }

// Publish implements connections.Publisher. It never fails once the detail
// is encoded: the change is stored already and the outbox retries.
func (p BusPublisher) Publish(ctx context.Context, detailType string, detail any) error {
	raw, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("event detail: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("event detail: %w", err)
	}
	delete(m, "account")
	p.Events.Emit(ctx, p.Events.New(ctx, detailType, m))
	return nil
}
