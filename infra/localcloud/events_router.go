package localcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// localAccount is the account id of locally built events.
const localAccount = "000000000000"

// EventTarget receives an event as a Lambda would: the EventBridge event
// JSON. lambda.Handler satisfies it.
type EventTarget interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// EventRule routes events whose source and detail-type match to Target, as
// an EventBridge rule with the pattern {"source": [Source],
// "detail-type": DetailTypes} does. A rule with Resource set matches only
// events listing it (or ending with it) in resources: how the scheduled
// runs are told apart.
type EventRule struct {
	Name        string // the target function's name
	Source      string
	DetailTypes []string
	Resource    string
	Target      EventTarget
}

func (r EventRule) matches(source, detailType string, resources []string) bool {
	if r.Source != source || !slices.Contains(r.DetailTypes, detailType) {
		return false
	}
	if r.Resource == "" {
		return true
	}
	for _, res := range resources {
		if res == r.Resource || strings.HasSuffix(res, "/"+r.Resource) || strings.HasSuffix(res, "/local-"+r.Resource) {
			return true
		}
	}
	return false
}

// Delivery is the result of one event at one rule's target.
type Delivery struct {
	Function string          `json:"function"`
	OK       bool            `json:"ok"`
	Error    string          `json:"error,omitempty"`
	Response json.RawMessage `json:"response,omitempty"`
	TookMS   int64           `json:"tookMs"`
}

// RoutedEvent is one entry the bus accepted, with where it went (the
// recorder's PublishedEvent fields, and the deliveries).
type RoutedEvent struct {
	ID           string          `json:"eventId"`
	EventBusName string          `json:"eventBusName"`
	Source       string          `json:"source"`
	DetailType   string          `json:"detailType"`
	Detail       json.RawMessage `json:"detail"`
	Time         time.Time       `json:"time"`
	At           time.Time       `json:"at"`
	Deliveries   []Delivery      `json:"deliveries"`
}

// EventRouter is a local EventBridge bus: an http.Handler speaking the
// PutEvents action of the AWS JSON 1.1 protocol (X-Amz-Target:
// AWSEvents.PutEvents), as the AWS SDKs and `aws events put-events` send
// it. Each accepted entry becomes an EventBridge event delivered, before
// the answer, to the target of every matching rule; the result is logged.
// GET /events lists the entries received, newest last, with their
// deliveries. Nothing is retried: a failed delivery is logged.
type EventRouter struct {
	Log *slog.Logger // nil: slog.Default()
	Now func() time.Time

	mu     sync.Mutex
	rules  []EventRule
	events []RoutedEvent
}

// SetRules replaces the routing rules (the local gateway sets them once the
// functions are built; until then entries are accepted and recorded only).
func (b *EventRouter) SetRules(rules []EventRule) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rules = slices.Clone(rules)
}

// Events returns a copy of the entries received, oldest first.
func (b *EventRouter) Events() []RoutedEvent {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.events)
}

func (b *EventRouter) log() *slog.Logger {
	if b.Log != nil {
		return b.Log
	}
	return slog.Default()
}

func (b *EventRouter) now() time.Time {
	if b.Now != nil {
		return b.Now().UTC()
	}
	return time.Now().UTC()
}

// ServeHTTP implements http.Handler.
func (b *EventRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/events":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(struct {
			Events []RoutedEvent `json:"events"`
		}{b.Events()})
	case r.Method == http.MethodPost:
		b.serveAction(w, r)
	default:
		http.NotFound(w, r)
	}
}

// putEventsEntry is one entry of a PutEvents request.
type putEventsEntry struct {
	Source       string   `json:"Source"`
	DetailType   string   `json:"DetailType"`
	Detail       string   `json:"Detail"`
	EventBusName string   `json:"EventBusName"`
	Resources    []string `json:"Resources"`
	Time         *float64 `json:"Time"` // epoch seconds in the JSON protocol
}

type putEventsResultEntry struct {
	EventID      string `json:"EventId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

func jsonError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

func (b *EventRouter) serveAction(w http.ResponseWriter, r *http.Request) {
	if target := r.Header.Get("X-Amz-Target"); target != "AWSEvents.PutEvents" {
		jsonError(w, http.StatusBadRequest, "UnknownOperationException",
			fmt.Sprintf("the local EventBridge supports AWSEvents.PutEvents only, not %q", target))
		return
	}
	var in struct {
		Entries []putEventsEntry `json:"Entries"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		jsonError(w, http.StatusBadRequest, "SerializationException", "the body is not a PutEvents request: "+err.Error())
		return
	}
	if len(in.Entries) < 1 || len(in.Entries) > 10 {
		jsonError(w, http.StatusBadRequest, "ValidationException", "Entries: want 1 to 10 entries")
		return
	}
	out := struct {
		FailedEntryCount int                    `json:"FailedEntryCount"`
		Entries          []putEventsResultEntry `json:"Entries"`
	}{Entries: make([]putEventsResultEntry, 0, len(in.Entries))}
	for _, e := range in.Entries {
		res := b.put(r.Context(), e)
		if res.ErrorCode != "" {
			out.FailedEntryCount++
		}
		out.Entries = append(out.Entries, res)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

// put validates one entry as EventBridge does and routes it.
func (b *EventRouter) put(ctx context.Context, e putEventsEntry) putEventsResultEntry {
	switch {
	case e.Source == "" || e.DetailType == "" || e.Detail == "":
		return putEventsResultEntry{ErrorCode: "InvalidArgument", ErrorMessage: "Parameters Source, DetailType and Detail are required."}
	case !json.Valid([]byte(e.Detail)) || !strings.HasPrefix(strings.TrimSpace(e.Detail), "{"):
		return putEventsResultEntry{ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed."}
	}
	at := b.now().Truncate(time.Second)
	if e.Time != nil {
		at = time.Unix(int64(*e.Time), 0).UTC()
	}
	resources := e.Resources
	if resources == nil {
		resources = []string{}
	}
	bus := e.EventBusName
	if bus == "" {
		bus = "default"
	}
	ev := RoutedEvent{ID: NewID(), EventBusName: bus, Source: e.Source, DetailType: e.DetailType, Detail: json.RawMessage(e.Detail), Time: at, At: b.now()}
	payload, err := json.Marshal(map[string]any{
		"version": "0", "id": ev.ID, "detail-type": e.DetailType, "source": e.Source,
		"account": localAccount, "time": at.Format(time.RFC3339), "region": DefaultRegion,
		"resources": resources, "detail": ev.Detail,
	})
	if err != nil {
		return putEventsResultEntry{ErrorCode: "InternalException", ErrorMessage: err.Error()}
	}
	b.mu.Lock()
	rules := slices.Clone(b.rules)
	b.mu.Unlock()
	for _, rule := range rules {
		if !rule.matches(e.Source, e.DetailType, resources) {
			continue
		}
		ev.Deliveries = append(ev.Deliveries, deliver(ctx, rule, payload))
	}
	b.logRouted(ev)
	b.mu.Lock()
	b.events = append(b.events, ev)
	if len(b.events) > maxRecorded {
		b.events = b.events[len(b.events)-maxRecorded:]
	}
	b.mu.Unlock()
	return putEventsResultEntry{EventID: ev.ID}
}

func deliver(ctx context.Context, rule EventRule, payload []byte) Delivery {
	start := time.Now()
	d := Delivery{Function: rule.Name}
	resp, err := rule.Target.Invoke(ctx, payload)
	d.TookMS = time.Since(start).Milliseconds()
	if err != nil {
		d.Error = err.Error()
		return d
	}
	d.OK = true
	if json.Valid(resp) && len(resp) > 0 {
		d.Response = resp
	}
	return d
}

func (b *EventRouter) logRouted(ev RoutedEvent) {
	log := b.log()
	if len(ev.Deliveries) == 0 {
		log.Warn("event matched no rule", "source", ev.Source, "detailType", ev.DetailType, "id", ev.ID)
		return
	}
	for _, d := range ev.Deliveries {
		if d.OK {
			log.Info("event delivered", "source", ev.Source, "detailType", ev.DetailType, "function", d.Function,
				"took", time.Duration(d.TookMS)*time.Millisecond, "response", string(d.Response))
		} else {
			log.Error("event delivery failed", "source", ev.Source, "detailType", ev.DetailType, "function", d.Function, "err", d.Error)
		}
	}
}

// StartEventRouter serves a new EventRouter on addr ("127.0.0.1:8010";
// "127.0.0.1:0" picks a free port) until Stop. ctx bounds the start only.
func StartEventRouter(ctx context.Context, addr string, log *slog.Logger) (*Service, *EventRouter, error) {
	bus := &EventRouter{Log: log}
	svc, err := serveLoopback(ctx, "eventbridge", "local eventbridge", addr, "set EVENTBRIDGE_PORT to use another", bus)
	if err != nil {
		return nil, nil, err
	}
	return svc, bus, nil
}
