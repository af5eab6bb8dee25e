package dailysummary

import (
	"context"
	"time"
)

// SetSleep replaces the real-time wait of r's send pacing (benchmarks pace
// on a virtual clock).
func SetSleep(r *Runner, sleep func(context.Context, time.Duration) error) { r.sleep = sleep }
