package strength

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// countingMetrics records the metrics counted.
type countingMetrics struct {
	mu    sync.Mutex
	names []string
}

func (c *countingMetrics) Count(_ context.Context, name string, n int, _ map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.names = append(c.names, name)
	return nil
}

// rangeServer is a local stand-in of the Pwned Passwords range API that
// knows the given passwords and records the paths it was asked.
func rangeServer(t *testing.T, breached ...string) (*httptest.Server, *[]string) {
	t.Helper()
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		prefix := strings.TrimPrefix(r.URL.Path, "/range/")
		fmt.Fprintln(w, "0000000000000000000000000000000000A:0") // padding line
		for _, p := range breached {
			sum := sha1.Sum([]byte(p))
			d := strings.ToUpper(hex.EncodeToString(sum[:]))
			if d[:5] == prefix {
				fmt.Fprintf(w, "%s:42\r\n", d[5:])
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &paths
}

func TestBreachCheck(t *testing.T) {
	const leaked = "Kettle-Orbit-Sparrow-9!"
	srv, paths := rangeServer(t, leaked)
	m := &countingMetrics{}
	p := DefaultPolicy(true)
	p.Breach = &BreachChecker{Endpoint: srv.URL + "/range/", Metrics: m}

	t.Run("a breached password is refused", func(t *testing.T) {
		if probs := p.CheckContext(t.Context(), leaked, "ada@example.com"); len(probs) == 0 {
			t.Errorf("CheckContext(%q) accepted, want refused as breached", leaked)
		}
	})
	t.Run("only the first 5 hex characters of the SHA-1 leave", func(t *testing.T) {
		for _, path := range *paths {
			prefix := strings.TrimPrefix(path, "/range/")
			if len(prefix) != 5 || strings.Trim(prefix, "0123456789ABCDEF") != "" {
				t.Errorf("asked %q, want /range/ and 5 upper-case hex characters", path)
			}
		}
		if len(*paths) == 0 {
			t.Fatal("the range API was not asked")
		}
	})
	t.Run("an unbreached password is accepted", func(t *testing.T) {
		if probs := p.CheckContext(t.Context(), "Quilt-Harbor-Lantern-7?", "ada@example.com"); len(probs) != 0 {
			t.Errorf("got %v, want accepted", probs)
		}
	})
	t.Run("the check is off by default", func(t *testing.T) {
		before := len(*paths)
		if probs := DefaultPolicy(true).CheckContext(t.Context(), leaked, ""); len(probs) != 0 {
			t.Errorf("got %v, want accepted without a breach checker", probs)
		}
		if len(*paths) != before {
			t.Error("the default policy asked the range API")
		}
	})
	t.Run("an unreachable API fails open and is counted", func(t *testing.T) {
		down := httptest.NewServer(http.NotFoundHandler())
		url := down.URL
		down.Close()
		m := &countingMetrics{}
		q := DefaultPolicy(true)
		q.Breach = &BreachChecker{Endpoint: url + "/range/", Metrics: m}
		if probs := q.CheckContext(t.Context(), leaked, ""); len(probs) != 0 {
			t.Errorf("got %v, want accepted when the API is down", probs)
		}
		if len(m.names) != 1 || m.names[0] != BreachCheckFailures {
			t.Errorf("metrics %v, want one %s", m.names, BreachCheckFailures)
		}
	})
}
