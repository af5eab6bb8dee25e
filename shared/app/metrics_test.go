package app_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/metrics"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Business metrics leave as CloudWatch Embedded Metric Format lines: no
// network call per metric.
func TestSignInMetricsAreEmbeddedMetricLines(t *testing.T) {
	var out syncBuffer
	e := apptest.New(t, &apptest.Options{Configure: func(d *app.Deps) {
		d.Metrics = metrics.New(&out, "MyProfileTest", nil)
	}})
	u := e.SignUp(nil)
	e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": "Wrong-password-1!"}})
	e.Login(u.Email, u.Password)

	counts := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		aws, ok := m["_aws"].(map[string]any)
		if !ok {
			t.Fatalf("no _aws metadata: %q", line)
		}
		cw := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
		if cw["Namespace"] != "MyProfileTest" {
			t.Errorf("namespace %v", cw["Namespace"])
		}
		name := cw["Metrics"].([]any)[0].(map[string]any)["Name"].(string)
		counts[name] += m[name].(float64)
	}
	if counts[metrics.SignIns] != 1 || counts[metrics.SignInFailures] != 1 {
		t.Errorf("counts = %v, want one sign-in and one failure", counts)
	}
	if strings.Contains(out.String(), u.Email) || strings.Contains(out.String(), u.Password) {
		t.Error("metrics carry personal data")
	}
}
