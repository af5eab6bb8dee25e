package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/request"
)

// The functions' logger gives every record logged with a request's context
// the request id, so log calls need not add it.
func TestNewLoggerAddsTheRequestID(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	log := app.NewLogger(f, "info")
	log.InfoContext(request.WithID(context.Background(), "req-42"), "signed in", "userId", "u1")
	log.InfoContext(context.Background(), "cold start")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2: %s", len(lines), b)
	}
	if !strings.Contains(lines[0], `"requestId":"req-42"`) {
		t.Errorf("request line has no requestId: %s", lines[0])
	}
	if strings.Contains(lines[1], "requestId") {
		t.Errorf("line outside a request has a requestId: %s", lines[1])
	}
}
