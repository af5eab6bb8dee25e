package request_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/example/myprofile/shared/request"
)

// logLine logs through a LogHandler over a JSON handler, derived by with,
// and returns the one line written, decoded.
func logLine(t *testing.T, ctx context.Context, with func(*slog.Logger) *slog.Logger, args ...any) (map[string]any, string) {
	t.Helper()
	var buf bytes.Buffer
	log := slog.New(request.NewLogHandler(slog.NewJSONHandler(&buf, nil)))
	if with != nil {
		log = with(log)
	}
	log.InfoContext(ctx, "hello", args...)
	line := strings.TrimSpace(buf.String())
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("log line %q: %v", line, err)
	}
	return m, line
}

func TestLogHandler(t *testing.T) {
	reqCtx := request.WithID(context.Background(), "req-1")
	for _, tt := range []struct {
		name   string
		ctx    context.Context
		with   func(*slog.Logger) *slog.Logger
		args   []any
		wantID any // nil: no requestId at the top level
	}{
		{name: "request context gets the id", ctx: reqCtx, wantID: "req-1"},
		{name: "no request, no id", ctx: context.Background()},
		{name: "an id the record carries is kept, not doubled", ctx: reqCtx, args: []any{"requestId", "own"}, wantID: "own"},
		{name: "WithAttrs keeps it", ctx: reqCtx, with: func(l *slog.Logger) *slog.Logger { return l.With("fn", "auth") }, wantID: "req-1"},
		{name: "an id bound by With is not doubled", ctx: reqCtx, with: func(l *slog.Logger) *slog.Logger { return l.With("requestId", "bound") }, wantID: "bound"},
		{name: "WithGroup keeps it at the top level", ctx: reqCtx, with: func(l *slog.Logger) *slog.Logger {
			return l.With("fn", "auth").WithGroup("g").With("a", 1)
		}, args: []any{"b", 2}, wantID: "req-1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, line := logLine(t, tt.ctx, tt.with, tt.args...)
			if got := m["requestId"]; got != tt.wantID {
				t.Errorf("requestId = %v, want %v in %s", got, tt.wantID, line)
			}
			if n := strings.Count(line, `"requestId"`); (tt.wantID == nil && n != 0) || (tt.wantID != nil && n != 1) {
				t.Errorf("requestId appears %d times in %s", n, line)
			}
		})
	}
	t.Run("attributes and groups are still written", func(t *testing.T) {
		m, line := logLine(t, reqCtx, func(l *slog.Logger) *slog.Logger {
			return l.With("fn", "auth").WithGroup("g").With("a", 1)
		}, "b", 2)
		g, _ := m["g"].(map[string]any)
		if m["fn"] != "auth" || g == nil || g["a"] != float64(1) || g["b"] != float64(2) {
			t.Errorf("line %s lost attributes: want fn at the top, a and b in g", line)
		}
	})
}
