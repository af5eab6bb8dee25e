package dailysummary_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/dailysummary"
	"github.com/example/myprofile/shared/notify/sesmail"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/dailysummarydb"
)

// memQueue stands in for SQS: it keeps the bodies in order.
type memQueue struct {
	mu     sync.Mutex
	bodies []string
	next   int
}

func (q *memQueue) Send(_ context.Context, bodies []string) []error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.bodies = append(q.bodies, bodies...)
	return make([]error, len(bodies))
}

// receive takes up to n messages (SQS batches of ten).
func (q *memQueue) receive(n int) []dailysummary.Delivery {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []dailysummary.Delivery
	for ; q.next < len(q.bodies) && len(out) < n; q.next++ {
		out = append(out, dailysummary.Delivery{ID: strconv.Itoa(q.next), Body: q.bodies[q.next]})
	}
	return out
}

// BenchmarkDailySummaryBunching puts every user of one time zone at 07:30
// (DIGEST_BENCH_USERS, default 500; `make bench` passes 100,000): the
// scheduled run at 07:30 must claim and enqueue every one within its
// 5-minute timeout, and the worker (QUEUE_MAX_CONCURRENCY invocations
// pacing at DAILY_SUMMARY_SEND_RATE together, the production defaults 2
// and 14/s) sends each exactly once, counted at the SES emulator. The
// worker's pacing runs on a virtual clock (the waits are recorded, not
// slept), so the lateness of the last summary (users / rate) is measured
// without waiting for it; the worker reports it as DigestLatenessSeconds,
// which the stack alarms on (infra/ops.go).
func BenchmarkDailySummaryBunching(b *testing.B) {
	n := 500
	if v, err := strconv.Atoi(os.Getenv("DIGEST_BENCH_USERS")); err == nil && v > 0 {
		n = v
	}
	const rate, concurrency = 14.0, 2
	db, table := testenv.DynamoDB(b)
	sesClient, sesEndpoint := testenv.SES(b)
	counting := &apptest.CountingDB{DB: db}
	st := dailysummarydb.New(store.New(counting, table))
	ctx := context.Background()
	ny, _ := time.LoadLocation("America/New_York")
	dueAt := time.Date(2026, 3, 10, 7, 30, 0, 0, ny)
	t0 := dueAt.Add(-12 * time.Hour)
	suffix := testenv.RandomID(b)
	users := make([]account.User, n)
	for i := range users {
		u := account.User{
			ID: fmt.Sprintf("bunch-%s-%07d", suffix, i), Email: fmt.Sprintf("bunch-%d-%s@example.com", i, suffix),
			FirstName: "Ada", Language: "en", Timezone: "America/New_York", Version: 1,
			DailySummary: account.DailySummary{Enabled: true, Time: "07:30"},
		}
		u.Defaults()
		users[i] = u
	}
	loadUsers(b, db, table, st, users, t0)

	// One morning per call, whatever b.N: a second run would find nothing
	// due (a call with a larger b.N starts over on a table of its own).
	b.ResetTimer()
	{
		counting.Reset()
		q := &memQueue{}
		mailer := &sesmail.Mailer{Client: sesClient, From: "no-reply@example.com"}
		run := &dailysummary.Runner{Store: st, Mailer: mailer, Queue: q, Now: func() time.Time { return dueAt },
			Log: discardLog(), AppName: "MyProfile", SendRate: rate, Concurrency: concurrency}
		runCtx, cancel := context.WithTimeout(ctx, 5*time.Minute) // the run's timeout: its window
		began := time.Now()
		rs, err := run.Run(runCtx)
		runTook := time.Since(began)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		if rs.Queued != n || rs.Incomplete || rs.Failed > 0 {
			b.Fatalf("run at 07:30 in %s: %+v, want all %d claimed and enqueued", runTook, rs, n)
		}
		runRequests := counting.Count()

		// The worker: concurrency containers, each pacing at rate/concurrency
		// on a virtual clock that starts at the due time.
		start := time.Now()
		var latest atomic.Int64 // ns after dueAt of the latest send slot
		var failed atomic.Int64
		var lateness float64
		var lmu sync.Mutex
		var ww sync.WaitGroup
		for range concurrency {
			ww.Go(func() {
				var mine atomic.Int64
				w := &dailysummary.Runner{Store: st, Mailer: mailer, Log: discardLog(), AppName: "MyProfile",
					SendRate: rate, Concurrency: concurrency,
					Now: func() time.Time { return dueAt.Add(time.Duration(mine.Load())) }}
				dailysummary.SetSleep(w, func(_ context.Context, d time.Duration) error {
					at := int64(d + time.Since(start))
					for old := mine.Load(); at > old && !mine.CompareAndSwap(old, at); old = mine.Load() {
					}
					for old := latest.Load(); at > old && !latest.CompareAndSwap(old, at); old = latest.Load() {
					}
					return nil
				})
				for batch := q.receive(10); len(batch) > 0; batch = q.receive(10) {
					if retry := w.Deliver(ctx, batch); len(retry) > 0 {
						failed.Add(int64(len(retry)))
					}
				}
				lmu.Lock()
				lateness = max(lateness, time.Duration(mine.Load()).Seconds())
				lmu.Unlock()
			})
		}
		ww.Wait()
		if failed.Load() > 0 {
			b.Fatalf("%d deliveries asked to be retried", failed.Load())
		}
		total := counting.Count()

		// Every user exactly once, at the SES emulator.
		msgs, err := localcloud.SESMessages(ctx, sesEndpoint)
		if err != nil {
			b.Fatal(err)
		}
		per := map[string]int{}
		for _, m := range msgs {
			for _, to := range m.To {
				if strings.HasSuffix(to, "-"+suffix+"@example.com") {
					per[to]++
				}
			}
		}
		twice := 0
		for _, k := range per {
			if k > 1 {
				twice++
			}
		}
		if len(per) != n || twice > 0 {
			b.Fatalf("SES emulator: %d of %d users got a summary, %d more than once; want every one exactly once", len(per), n, twice)
		}
		want := float64(n) / rate
		b.ReportMetric(runTook.Seconds(), "run-s")
		b.ReportMetric(lateness, "lateness-s")
		b.ReportMetric(want, "users/rate-s")
		b.ReportMetric(float64(runRequests)/float64(n), "run-requests/user")
		b.ReportMetric(float64(total)/float64(n), "requests/user")
		apptest.Figure(b, fmt.Sprintf("daily summary, %d users due at 07:30: run claims and enqueues all", n),
			fmt.Sprintf("%.0f s (%d queued)", runTook.Seconds(), rs.Queued), "< 300 s", runTook < 5*time.Minute)
		apptest.Figure(b, fmt.Sprintf("daily summary, %d users due at 07:30: sent once each (SES emulator)", n),
			fmt.Sprintf("%d of %d, %d twice", len(per), n, twice), "all, none twice", true)
		apptest.Figure(b, fmt.Sprintf("daily summary, %d users due at 07:30: lateness of the last (%.0f/s)", n, rate),
			fmt.Sprintf("%.0f s (users/rate %.0f s; %.2f requests/user with fan-out)", lateness, want, float64(total)/float64(n)),
			"= users/rate, alarmed > 3600 s", lateness <= want*1.05+1)
	}
}
