package metrics

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

// emf is the part of an EMF line CloudWatch reads.
type emf struct {
	AWS struct {
		Timestamp         int64
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []struct{ Name, Unit string }
		}
	} `json:"_aws"`
}

func TestRecorderWritesOneEMFLine(t *testing.T) {
	var buf bytes.Buffer
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	r := New(&buf, "MyProfile", map[string]string{"function": "auth"})
	r.Now = func() time.Time { return at }
	if err := r.Count(context.Background(), CodesSent, 1, map[string]string{"channel": "sms"}); err != nil {
		t.Fatal(err)
	}
	line := buf.String()
	if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
		t.Fatalf("want exactly one line, got %q", line)
	}
	var got emf
	var raw map[string]any
	if err := json.Unmarshal([]byte(line), &got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(line), &raw)
	if got.AWS.Timestamp != at.UnixMilli() {
		t.Errorf("Timestamp = %d, want %d", got.AWS.Timestamp, at.UnixMilli())
	}
	if len(got.AWS.CloudWatchMetrics) != 1 {
		t.Fatalf("CloudWatchMetrics = %+v", got.AWS.CloudWatchMetrics)
	}
	d := got.AWS.CloudWatchMetrics[0]
	if d.Namespace != "MyProfile" || len(d.Metrics) != 1 || d.Metrics[0].Name != CodesSent || d.Metrics[0].Unit != "Count" {
		t.Errorf("directive = %+v", d)
	}
	if len(d.Dimensions) != 1 || strings.Join(d.Dimensions[0], ",") != "channel,function" {
		t.Errorf("Dimensions = %v, want [[channel function]]", d.Dimensions)
	}
	// Every dimension and the metric are top-level members, as EMF requires.
	for k, want := range map[string]any{"function": "auth", "channel": "sms", CodesSent: float64(1)} {
		if raw[k] != want {
			t.Errorf("%s = %v, want %v", k, raw[k], want)
		}
	}
}

func TestEmitWithoutRecorder(t *testing.T) {
	var buf bytes.Buffer
	if err := Emit(context.Background(), &buf, "NS", "Latency", 12.5, Milliseconds, nil); err != nil {
		t.Fatal(err)
	}
	var got emf
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if d := got.AWS.CloudWatchMetrics[0]; d.Metrics[0].Unit != "Milliseconds" || len(d.Dimensions) != 1 || len(d.Dimensions[0]) != 0 {
		t.Errorf("directive = %+v", d)
	}
}

func TestInvalidMetricsAreRefused(t *testing.T) {
	for _, tc := range []struct {
		desc      string
		namespace string
		name      string
		value     float64
		dims      map[string]string
	}{
		{"empty namespace", "", "X", 1, nil},
		{"empty name", "NS", "", 1, nil},
		{"NaN", "NS", "X", math.NaN(), nil},
		{"infinity", "NS", "X", math.Inf(1), nil},
		{"empty dimension value", "NS", "X", 1, map[string]string{"channel": ""}},
		{"dimension named like the metric", "NS", "X", 1, map[string]string{"X": "a"}},
		{"reserved _aws", "NS", "X", 1, map[string]string{"_aws": "a"}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			var buf bytes.Buffer
			err := Emit(context.Background(), &buf, tc.namespace, tc.name, tc.value, Count, tc.dims)
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %q for an invalid metric", buf.String())
			}
		})
	}
}

// Concurrent requests in one process never interleave their lines.
func TestConcurrentEmitsStayWholeLines(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, "NS", map[string]string{"function": "auth"})
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = r.Count(context.Background(), SignIns, 1, nil)
		}()
	}
	wg.Wait()
	n := 0
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var got emf
		if err := json.Unmarshal(sc.Bytes(), &got); err != nil {
			t.Fatalf("line %d is not JSON: %v", n, err)
		}
		n++
	}
	if n != 50 {
		t.Errorf("%d lines, want 50", n)
	}
}

func TestNilRecorderIsANoOp(t *testing.T) {
	var r *Recorder
	if err := r.Count(context.Background(), SignIns, 1, nil); err != nil {
		t.Errorf("nil recorder: %v", err)
	}
	if err := Discard.Count(context.Background(), SignIns, 1, nil); err != nil {
		t.Errorf("Discard: %v", err)
	}
}

func BenchmarkRecorderCount(b *testing.B) {
	var buf bytes.Buffer
	r := New(&buf, "MyProfile", map[string]string{"function": "auth"})
	ctx := context.Background()
	for b.Loop() {
		buf.Reset()
		_ = r.Count(ctx, SignIns, 1, nil)
	}
}
