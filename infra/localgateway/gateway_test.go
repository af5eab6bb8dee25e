package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/example/myprofile/shared/catalog"
)

// namedHandlers answers every request with the function's name.
type namedHandlers struct{ fail string }

func (n namedHandlers) HTTPHandler(name string) (http.Handler, error) {
	if name == n.fail {
		return nil, errors.New("not wired")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, name+" "+r.Pattern)
	}), nil
}

func TestGatewayMountsEveryCatalogRoute(t *testing.T) {
	dir := t.TempDir()
	openapi := filepath.Join(dir, "openapi.yaml")
	if err := os.WriteFile(openapi, []byte("openapi: 3.1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fns := catalog.All()
	h, err := newGateway(namedHandlers{}, fns, openapi)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	do := func(t *testing.T, method, path string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	routes := 0
	for _, f := range fns {
		if f.Kind != catalog.HTTP {
			continue
		}
		for _, route := range f.Routes {
			routes++
			method, path, _ := strings.Cut(route, " ")
			path = strings.NewReplacer("{id}", "abc").Replace(path)
			t.Run(route+" reaches "+f.Name, func(t *testing.T) {
				status, body := do(t, method, path)
				if want := f.Name + " " + route; status != http.StatusOK || body != want {
					t.Errorf("got %d %q, want 200 %q", status, body, want)
				}
			})
		}
	}
	if routes == 0 {
		t.Fatal("the catalog has no HTTP route")
	}

	t.Run("openapi document is served", func(t *testing.T) {
		if status, body := do(t, http.MethodGet, "/openapi.yaml"); status != http.StatusOK || body != "openapi: 3.1.0\n" {
			t.Errorf("got %d %q", status, body)
		}
	})
	for _, tc := range []struct{ name, method, path string }{
		{"unknown path is 404 like API Gateway", http.MethodGet, "/v1/nothing-here"},
		{"known path with another method is 404 like API Gateway", http.MethodPut, "/v1/auth/login"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, body := do(t, tc.method, tc.path); status != http.StatusNotFound || body != `{"message":"Not Found"}` {
				t.Errorf("got %d %q, want 404 {\"message\":\"Not Found\"}", status, body)
			}
		})
	}
}

func TestGatewayErrors(t *testing.T) {
	fns := []catalog.Function{{Name: "a", Kind: catalog.HTTP, Routes: []string{"GET /x"}}}
	if _, err := newGateway(namedHandlers{fail: "a"}, fns, ""); err == nil || !strings.Contains(err.Error(), "not wired") {
		t.Errorf("unwired function: got %v, want the app's error", err)
	}
	dup := append(fns, catalog.Function{Name: "b", Kind: catalog.HTTP, Routes: []string{"GET /x"}})
	if _, err := newGateway(namedHandlers{}, dup, ""); err == nil {
		t.Error("a route served by two functions was accepted")
	}
}

type recordingLambda struct{ got chan []byte }

func (r recordingLambda) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	r.got <- payload
	return []byte(`{"ok":true}`), nil
}

type lambdas map[string]lambda.Handler

func (l lambdas) Lambda(name string) (lambda.Handler, error) {
	if h, ok := l[name]; ok {
		return h, nil
	}
	return nil, errors.New("not wired")
}

func TestScheduledJobsGetAScheduledEvent(t *testing.T) {
	fns := []catalog.Function{
		{Name: "api", Kind: catalog.HTTP},
		{Name: "daily-summary", Kind: catalog.Schedule, Schedule: "rate(15 minutes)"},
	}
	rec := recordingLambda{got: make(chan []byte, 4)}
	jobs, err := scheduledJobs(lambdas{"daily-summary": rec}, fns)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].fn.Name != "daily-summary" {
		t.Fatalf("jobs: got %+v, want daily-summary only", jobs)
	}

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	at := time.Date(2026, 3, 1, 6, 45, 0, 0, time.UTC)
	go func() {
		jobs[0].every(ctx, slog.New(slog.DiscardHandler), 10*time.Millisecond, func() time.Time { return at })
		close(done)
	}()
	var payload []byte
	select {
	case payload = <-rec.got:
	case <-time.After(10 * time.Second):
		t.Fatal("the job was not invoked")
	}
	cancel()
	<-done

	var ev events.CloudWatchEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatalf("payload is not an EventBridge event: %v", err)
	}
	if ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" || !ev.Time.Equal(at) || ev.ID == "" ||
		len(ev.Resources) != 1 || !strings.HasSuffix(ev.Resources[0], ":rule/local-daily-summary") || string(ev.Detail) != "{}" {
		t.Errorf("got %+v", ev)
	}

	if _, err := scheduledJobs(lambdas{}, fns); err == nil {
		t.Error("an unwired scheduled function was accepted")
	}
}

func TestReadSettings(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    settings
		wantErr bool
	}{
		{"defaults", nil, settings{8080, "myprofile-local", time.Minute}, false},
		{"overrides", map[string]string{"PORT": "9090", "TABLE_NAME": "t", "SCHEDULE_EVERY": "10s"}, settings{9090, "t", 10 * time.Second}, false},
		{"bad port", map[string]string{"PORT": "x"}, settings{}, true},
		{"too frequent schedule", map[string]string{"SCHEDULE_EVERY": "1ms"}, settings{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readSettings(func(k string) string { return tt.env[k] })
			if (err != nil) != tt.wantErr {
				t.Fatalf("error: got %v, want error %v", err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
