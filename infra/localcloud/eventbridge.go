package localcloud

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
)

// PublishedEvent is one event recorded by the EventBridge recorder.
type PublishedEvent struct {
	EventID      string          `json:"eventId"`
	EventBusName string          `json:"eventBusName"`
	Source       string          `json:"source"`
	DetailType   string          `json:"detailType"`
	Detail       json.RawMessage `json:"detail"`
	Time         time.Time       `json:"time"`
	At           time.Time       `json:"at"`
}

// EventBridgeRecorder is an http.Handler that speaks the EventBridge
// PutEvents action the way the AWS SDK for Go v2 sends it (the awsJson1_1
// protocol: a POST with X-Amz-Target: AWSEvents.PutEvents) and records
// each entry instead of publishing it. GET /events lists what was recorded
// as {"events": [...]}. Only PutEvents is supported. An entry whose Source
// is "fail" is refused (FailedEntryCount), so tests can exercise retries.
type EventBridgeRecorder struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log, when set, is called with each recorded event (make run logs it).
	Log func(PublishedEvent)

	mu     sync.Mutex
	events []PublishedEvent
}

// Events returns a copy of the recorded events, oldest first.
func (r *EventBridgeRecorder) Events() []PublishedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]PublishedEvent, len(r.events))
	copy(out, r.events)
	return out
}

// ServeHTTP implements http.Handler.
func (r *EventBridgeRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch {
	case req.Method == http.MethodGet && req.URL.Path == "/events":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"events": r.Events()})
	case req.Method == http.MethodPost && req.Header.Get("X-Amz-Target") == "AWSEvents.PutEvents":
		r.putEvents(w, req)
	case req.Method == http.MethodPost:
		ebError(w, http.StatusBadRequest, "UnknownOperationException", "only PutEvents is supported")
	default:
		http.NotFound(w, req)
	}
}

func ebError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

func (r *EventBridgeRecorder) putEvents(w http.ResponseWriter, req *http.Request) {
	var in struct {
		Entries []struct {
			EventBusName, Source, DetailType, Detail string
			Time                                     *float64
		}
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, req.Body, 1<<20)).Decode(&in); err != nil {
		ebError(w, http.StatusBadRequest, "ValidationException", "the body is not PutEvents JSON")
		return
	}
	if len(in.Entries) == 0 || len(in.Entries) > 10 {
		ebError(w, http.StatusBadRequest, "ValidationException", "1 to 10 entries")
		return
	}
	now := time.Now().UTC()
	if r.Now != nil {
		now = r.Now().UTC()
	}
	type result struct {
		EventID      string `json:"EventId,omitempty"`
		ErrorCode    string `json:"ErrorCode,omitempty"`
		ErrorMessage string `json:"ErrorMessage,omitempty"`
	}
	out := struct {
		Entries          []result
		FailedEntryCount int
	}{}
	for _, e := range in.Entries {
		if e.Source == "fail" || e.Source == "" || e.DetailType == "" || !json.Valid([]byte(e.Detail)) {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, result{ErrorCode: "InvalidArgument", ErrorMessage: "refused by the recorder"})
			continue
		}
		ev := PublishedEvent{EventID: uuid.NewString(), EventBusName: e.EventBusName, Source: e.Source,
			DetailType: e.DetailType, Detail: json.RawMessage(e.Detail), At: now}
		if ev.EventBusName == "" {
			ev.EventBusName = "default"
		}
		if e.Time != nil {
			sec := int64(*e.Time)
			ev.Time = time.Unix(sec, int64((*e.Time-float64(sec))*1e9)).UTC()
		}
		r.mu.Lock()
		if len(r.events) >= maxRecorded {
			r.events = r.events[1:]
		}
		r.events = append(r.events, ev)
		r.mu.Unlock()
		if r.Log != nil {
			r.Log(ev)
		}
		out.Entries = append(out.Entries, result{EventID: ev.EventID})
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

// StartEventBridgeRecorder serves an EventBridgeRecorder on addr (a
// loopback address; port 0 picks a free one). Each recorded event is logged
// (make run shows it). Point the SDK at it with AWS_ENDPOINT_URL_EVENTBRIDGE.
func StartEventBridgeRecorder(ctx context.Context, addr string) (*Service, *EventBridgeRecorder, error) {
	rec := &EventBridgeRecorder{Log: func(e PublishedEvent) {
		slog.Info("event published", "source", e.Source, "detailType", e.DetailType, "bus", e.EventBusName, "detail", string(e.Detail))
	}}
	svc, err := serveLoopback(ctx, "eventbridge", "eventbridge recorder", addr, "is another local environment running? set "+EnvEventBridgeEndpoint+" to reuse it", rec)
	if err != nil {
		return nil, nil, err
	}
	return svc, rec, nil
}
