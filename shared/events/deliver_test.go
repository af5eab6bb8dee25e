package events_test

import (
	"context"
	"errors"
	"testing"

	"github.com/example/myprofile/shared/events"
)

type memOutbox struct {
	puts    int
	deleted []string
}

func (o *memOutbox) PutEvent(context.Context, events.Event) error { o.puts++; return nil }
func (o *memOutbox) DeleteEvent(_ context.Context, e events.Event) error {
	o.deleted = append(o.deleted, e.ID)
	return nil
}
func (o *memOutbox) PendingEvents(context.Context, int) ([]events.Event, error) { return nil, nil }

type bus struct {
	published []string
	refuse    map[string]bool
	err       error
}

func (b *bus) Publish(_ context.Context, evs []events.Event) ([]string, error) {
	if b.err != nil {
		return nil, b.err
	}
	var failed []string
	for _, e := range evs {
		if b.refuse[e.ID] {
			failed = append(failed, e.ID)
			continue
		}
		b.published = append(b.published, e.ID)
	}
	return failed, nil
}

// Deliver publishes events the outbox holds already (written with their
// change) without writing them again, deletes what was published and
// keeps what was not, counting it.
func TestDeliver(t *testing.T) {
	for _, tc := range []struct {
		name               string
		refuse             map[string]bool
		err                error
		published, deleted int
		counted            int
	}{
		{"all published", nil, nil, 2, 2, 0},
		{"one refused", map[string]bool{"b": true}, nil, 1, 1, 1},
		{"bus down", nil, errors.New("down"), 0, 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			box, b := &memOutbox{}, &bus{refuse: tc.refuse, err: tc.err}
			counted := 0
			em := &events.Emitter{Outbox: box, Bus: b, Failed: func(_ context.Context, n int) { counted += n }}
			em.Deliver(context.Background(), events.Event{ID: "a"}, events.Event{ID: "b"})
			if box.puts != 0 {
				t.Errorf("Deliver wrote %d outbox items; they are written with the change", box.puts)
			}
			if len(b.published) != tc.published || len(box.deleted) != tc.deleted || counted != tc.counted {
				t.Errorf("published %v, deleted %v, counted %d; want %d, %d, %d", b.published, box.deleted, counted, tc.published, tc.deleted, tc.counted)
			}
		})
	}
	var nilEm *events.Emitter
	nilEm.Deliver(context.Background(), events.Event{ID: "a"}) // a nil Emitter delivers nothing, without panicking
}
