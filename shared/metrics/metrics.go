// Package metrics records business metrics (sign-ins, codes sent, digests
// sent, ...) as CloudWatch Embedded Metric Format: one JSON line per data
// point written to the function's log output. CloudWatch Logs extracts the
// metric from the line, so recording a metric is a local write, never a
// network call (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
//
// In Lambda write to os.Stdout (the function's log stream). The stack sets
// METRICS_NAMESPACE on every function.
package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"time"
)

// Unit is a CloudWatch metric unit.
type Unit string

// The units the product's metrics use.
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
	Seconds      Unit = "Seconds"
	Bytes        Unit = "Bytes"
	None         Unit = "None"
)

// Names of the business metrics, so dashboards and call sites agree.
const (
	SignIns          = "SignIns"          // successful sign-ins (session issued)
	SignInFailures   = "SignInFailures"   // wrong email/password or second factor
	CodesSent        = "CodesSent"        // verification and 2FA codes sent (dimension channel: email|sms)
	TwoFactorEnabled = "TwoFactorEnabled" // 2FA methods enrolled (dimension method)
	DigestsSent      = "DigestsSent"      // daily summary emails sent
	DigestsQueued    = "DigestsQueued"    // daily summaries claimed and handed to the worker queue (fan-out)
	AlertsSent       = "AlertsSent"       // low-credit alerts sent (dimension channel)
	SendFailures     = "SendFailures"     // email or SMS sends that failed (dimension channel)
	// EventsPublishFailed counts domain events EventBridge did not take
	// (kept in the outbox; the events-outbox sweep retries them).
	EventsPublishFailed = "EventsPublishFailed"
)

// EMF limits: at most 30 dimensions per set; names at most 255 characters.
const (
	maxDimensions = 30
	maxNameLen    = 255
)

// ErrInvalid reports a metric that CloudWatch would reject or misread.
var ErrInvalid = errors.New("metrics: invalid metric")

// Emit writes one EMF line with a single metric to w. dims become the
// metric's dimensions (one dimension set holding every key) and are also
// searchable properties of the log line.
func Emit(ctx context.Context, w io.Writer, namespace, name string, value float64, unit Unit, dims map[string]string) error {
	line, err := encode(time.Now(), namespace, name, value, unit, dims)
	if err != nil {
		return err
	}
	if _, err := w.Write(line); err != nil {
		return fmt.Errorf("metrics: write %s: %w", name, err)
	}
	return nil
}

// Counter is what a capability package depends on to count business
// events; *Recorder implements it (a nil *Recorder records nothing).
type Counter interface {
	Count(ctx context.Context, name string, n int, dims map[string]string) error
}

// Discard counts nothing: for tests and code paths without metrics.
var Discard Counter = (*Recorder)(nil)

var _ Counter = (*Recorder)(nil)

// Recorder writes metrics of one namespace with common dimensions (for
// example {"function": "auth"}) to one writer. It is safe for concurrent
// use: each line is written whole. The zero Now is time.Now.
type Recorder struct {
	W         io.Writer
	Namespace string
	Dims      map[string]string
	Now       func() time.Time

	mu sync.Mutex
}

// New returns a Recorder.
func New(w io.Writer, namespace string, dims map[string]string) *Recorder {
	return &Recorder{W: w, Namespace: namespace, Dims: dims}
}

// Emit records one data point; dims add to (and override) the Recorder's.
func (r *Recorder) Emit(ctx context.Context, name string, value float64, unit Unit, dims map[string]string) error {
	if r == nil || r.W == nil {
		return nil // metrics not configured: recording is best effort
	}
	all := make(map[string]string, len(r.Dims)+len(dims))
	for k, v := range r.Dims {
		all[k] = v
	}
	for k, v := range dims {
		all[k] = v
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	line, err := encode(now(), r.Namespace, name, value, unit, all)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.W.Write(line); err != nil {
		return fmt.Errorf("metrics: write %s: %w", name, err)
	}
	return nil
}

// Count records n occurrences of name.
func (r *Recorder) Count(ctx context.Context, name string, n int, dims map[string]string) error {
	return r.Emit(ctx, name, float64(n), Count, dims)
}

func encode(at time.Time, namespace, name string, value float64, unit Unit, dims map[string]string) ([]byte, error) {
	switch {
	case namespace == "" || len(namespace) > maxNameLen:
		return nil, fmt.Errorf("%w: namespace %q", ErrInvalid, namespace)
	case name == "" || len(name) > maxNameLen || name == "_aws":
		return nil, fmt.Errorf("%w: name %q", ErrInvalid, name)
	case math.IsNaN(value) || math.IsInf(value, 0):
		return nil, fmt.Errorf("%w: %s value %v", ErrInvalid, name, value)
	case len(dims) > maxDimensions:
		return nil, fmt.Errorf("%w: %s has %d dimensions, at most %d", ErrInvalid, name, len(dims), maxDimensions)
	}
	if unit == "" {
		unit = None
	}
	keys := make([]string, 0, len(dims))
	doc := map[string]any{name: value}
	for k, v := range dims {
		if k == "" || v == "" || len(k) > maxNameLen || len(v) > 1024 || k == name || k == "_aws" {
			return nil, fmt.Errorf("%w: %s dimension %q=%q", ErrInvalid, name, k, v)
		}
		keys = append(keys, k)
		doc[k] = v
	}
	slices.Sort(keys)
	doc["_aws"] = map[string]any{
		"Timestamp": at.UnixMilli(),
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  namespace,
			"Dimensions": [][]string{keys},
			"Metrics":    []any{map[string]any{"Name": name, "Unit": string(unit)}},
		}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("metrics: encode %s: %w", name, err)
	}
	return append(b, '\n'), nil
}

// Inc counts one occurrence of name on c, best effort: a nil counter or a
// failed write never fails the business operation that is being counted.
func Inc(ctx context.Context, c Counter, name string, dims map[string]string) {
	Add(ctx, c, name, 1, dims)
}

// Add counts n occurrences of name on c, best effort like Inc.
func Add(ctx context.Context, c Counter, name string, n int, dims map[string]string) {
	if c == nil {
		return
	}
	_ = c.Count(ctx, name, n, dims)
}
