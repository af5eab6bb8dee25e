package connections

import (
	"context"
	"log/slog"
	"sync"
)

// Detail types of the events this capability publishes.
const (
	EventMailSyncEnabled  = "Mail Sync Enabled"
	EventMailSyncDisabled = "Mail Sync Disabled"
)

// MailSyncEvent tells the mail sync service to start or stop. It carries
// no credential: the sync service asks for tokens through its own channel.
type MailSyncEvent struct {
	UserID       string `json:"userId"`
	ConnectionID string `json:"connectionId"`
	Provider     string `json:"provider"`
	Account      string `json:"account"`
}

// Publisher puts an event on the platform's bus. The event bus publisher
// (with its outbox) satisfies it once merged; LogPublisher stands in.
type Publisher interface {
	Publish(ctx context.Context, detailType string, detail any) error
}

// LogPublisher logs each event (detail type and ids; never a credential).
type LogPublisher struct{ Log *slog.Logger }

// Publish implements Publisher.
func (p LogPublisher) Publish(ctx context.Context, detailType string, detail any) error {
	if p.Log != nil {
		p.Log.InfoContext(ctx, "event published", "detailType", detailType, "detail", detail)
	}
	return nil
}

// Recorder keeps the events published, for tests.
type Recorder struct {
	mu     sync.Mutex
	Events []Published
}

// Published is one recorded event.
type Published struct {
	DetailType string
	Detail     any
}

// Publish implements Publisher.
func (r *Recorder) Publish(_ context.Context, detailType string, detail any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Events = append(r.Events, Published{detailType, detail})
	return nil
}

// All returns a copy of the recorded events.
func (r *Recorder) All() []Published {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Published(nil), r.Events...)
}
