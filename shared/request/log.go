package request

import (
	"context"
	"log/slog"
)

// LogKey is the attribute under which LogHandler logs the request id.
const LogKey = "requestId"

// LogHandler wraps a slog.Handler so that every record logged with a
// request's context (log.InfoContext(ctx, ...) and friends) carries the
// request id as a top-level "requestId" attribute, once; log calls need not
// add it by hand. A record that already carries one (the access log line)
// is left as it is. Wrap with NewLogHandler.
type LogHandler struct {
	slog.Handler
	// Once WithGroup has been called, a new attribute would land inside the
	// group: base is the handler before the first WithGroup and since the
	// derivations applied after it, replayed on base with the id first.
	base  slog.Handler
	since []func(slog.Handler) slog.Handler
	// bound: WithAttrs already gave a top-level request id.
	bound bool
}

// NewLogHandler returns h adding the request id of the record's context.
func NewLogHandler(h slog.Handler) *LogHandler { return &LogHandler{Handler: h} }

// Handle adds the request id when the context has one and neither the
// record nor the handler's bound attributes carry it.
func (h *LogHandler) Handle(ctx context.Context, r slog.Record) error {
	id := ID(ctx)
	if id == "" || h.bound || hasRequestID(r) {
		return h.Handler.Handle(ctx, r)
	}
	if h.base == nil {
		r = r.Clone()
		r.AddAttrs(slog.String(LogKey, id))
		return h.Handler.Handle(ctx, r)
	}
	out := h.base.WithAttrs([]slog.Attr{slog.String(LogKey, id)})
	for _, f := range h.since {
		out = f(out)
	}
	return out.Handle(ctx, r)
}

func hasRequestID(r slog.Record) bool {
	has := false
	r.Attrs(func(a slog.Attr) bool {
		has = a.Key == LogKey
		return !has
	})
	return has
}

// WithAttrs keeps the wrapper around the derived handler.
func (h *LogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	n := &LogHandler{Handler: h.Handler.WithAttrs(attrs), base: h.base, bound: h.bound}
	if h.base != nil {
		n.since = append(h.since[:len(h.since):len(h.since)], func(x slog.Handler) slog.Handler { return x.WithAttrs(attrs) })
	} else {
		for _, a := range attrs {
			n.bound = n.bound || a.Key == LogKey
		}
	}
	return n
}

// WithGroup keeps the wrapper around the derived handler; the request id
// stays at the top level, outside the group.
func (h *LogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := &LogHandler{Handler: h.Handler.WithGroup(name), base: h.base, since: h.since, bound: h.bound}
	if n.base == nil {
		n.base = h.Handler
	}
	n.since = append(n.since[:len(n.since):len(n.since)], func(x slog.Handler) slog.Handler { return x.WithGroup(name) })
	return n
}
