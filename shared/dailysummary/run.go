package dailysummary

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/prefs"
	"github.com/example/myprofile/shared/retry"
)

// Runner is the scheduled run: it sends every due summary once, itself or,
// with a Queue, through the worker (Deliver) that consumes the queue.
type Runner struct {
	Store  Store
	Mailer notify.Mailer
	// Queue, when set, fans the sending out: the run claims each due day and
	// enqueues it (see Claim) instead of sending, and the worker function
	// sends (Deliver). Nil: the run sends inline.
	Queue Queue
	Now   func() time.Time
	Log   *slog.Logger
	// AppName is shown in the emails.
	AppName string
	// Namespace is the CloudWatch namespace of the run's metrics
	// (METRICS_NAMESPACE; default MyProfile).
	Namespace string
	// PageSize is the number of index entries read per Query (default 100).
	PageSize int
	// Workers is how many due users of a page are handled at once (default
	// 8): each needs a few DynamoDB round trips and one SES call, so one at
	// a time would stay below the SES send rate.
	Workers int
	// SendRate caps emails per second (the SES account's send rate); 0: no cap.
	SendRate float64
	// Concurrency is how many worker invocations may run at once (the
	// event source mapping's maximum concurrency, default 2): each worker
	// paces its sends at SendRate/Concurrency so that together they stay
	// within SendRate. Unused by an inline run.
	Concurrency int
	// Reserve is the time left before the invocation's deadline at which the
	// run stops starting new sends (default 15 s); the rest is still due and
	// the next run (5 minutes later) continues with it.
	Reserve time.Duration
	// sleep waits (real time, for the send rate); tests may replace it.
	sleep func(context.Context, time.Duration) error

	// workerPacer paces Deliver across the invocations a warm Lambda
	// container serves (the Runner is built once per container).
	workerOnce  sync.Once
	workerPacer *pacer
}

// Stats is what one run did; it is logged and returned as the result.
type Stats struct {
	Due            int  `json:"due"`            // entries found due
	Sent           int  `json:"sent"`           // summaries sent
	Queued         int  `json:"queued"`         // days claimed and handed to the worker (fan-out)
	Failed         int  `json:"failed"`         // sends that failed (released for the next run)
	Skipped        int  `json:"skipped"`        // entries moved without sending (day already sent, off, nothing allowed)
	Lost           int  `json:"lost"`           // entries another run or a profile change got first
	Dropped        int  `json:"dropped"`        // queued days a later day replaced before they were sent (worker; logged)
	IndexItemsRead int  `json:"indexItemsRead"` // items read from the due index
	Queries        int  `json:"queries"`        // index queries
	Incomplete     bool `json:"incomplete"`     // stopped for the time budget; the rest is still due
	// LatenessSeconds is how long after its due time the latest summary
	// sent went out (worker: Now at the send minus the claimed due).
	LatenessSeconds float64 `json:"latenessSeconds"`
}

// add adds one user's counts; workers call it under mu.
func (s *Stats) add(mu *sync.Mutex, o Stats) {
	mu.Lock()
	defer mu.Unlock()
	s.Due += o.Due
	s.Sent += o.Sent
	s.Queued += o.Queued
	s.Failed += o.Failed
	s.Skipped += o.Skipped
	s.Lost += o.Lost
	s.Dropped += o.Dropped
	s.LatenessSeconds = max(s.LatenessSeconds, o.LatenessSeconds)
}

func (r *Runner) pageSize() int {
	if r.PageSize <= 0 {
		return 100
	}
	return r.PageSize
}

// errBudget stops a run that is out of time.
var errBudget = errors.New("digest: time budget exhausted")

// Run sends every summary due at the run's start. It returns an error only
// when the index cannot be read; per-user failures are counted, logged and
// left due for the next run.
func (r *Runner) Run(ctx context.Context) (Stats, error) {
	start, began := r.Now(), time.Now()
	var st Stats
	p := pacer{rate: r.SendRate, sleep: r.sleep}
	// Start at a different shard each run, so a backlog larger than one
	// run can send never starves the same shards.
	first := int(start.Unix()/300) % Shards
	var runErr error
	for i := range Shards {
		shard := (first + i) % Shards
		if err := r.runShard(ctx, shard, start, &st, &p); err != nil {
			if errors.Is(err, errBudget) {
				st.Incomplete = true
				break
			}
			runErr = errors.Join(runErr, err)
		}
	}
	r.report("daily-summary", st, start, time.Since(began))
	return st, runErr
}

func (r *Runner) runShard(ctx context.Context, shard int, now time.Time, st *Stats, p *pacer) error {
	cursor := ""
	for {
		if r.outOfTime(ctx) {
			return errBudget
		}
		// Entries due at or before now sort below DueKey(now + 1s).
		entries, next, read, err := r.Store.DueDigests(ctx, shard, now.Add(time.Second), cursor, r.pageSize())
		st.Queries++
		st.IndexItemsRead += read
		if err != nil {
			return fmt.Errorf("digest: due entries of shard %d: %w", shard, err)
		}
		workers := r.Workers
		if workers <= 0 {
			workers = 8
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var claims []claim
		sem := make(chan struct{}, workers)
		budget := false
		for _, e := range entries {
			if r.outOfTime(ctx) {
				budget = true
				break
			}
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				var one Stats
				one.Due = 1
				c := r.process(ctx, e, now, &one, p)
				st.add(&mu, one)
				if c != nil {
					mu.Lock()
					claims = append(claims, *c)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		// Claimed days are enqueued even when out of time: nothing else
		// would send them.
		r.enqueue(ctx, claims, st)
		if budget {
			return errBudget
		}
		if next == "" {
			return nil
		}
		cursor = next
	}
}

func (r *Runner) outOfTime(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	if !ok {
		return false
	}
	reserve := r.Reserve
	if reserve <= 0 {
		reserve = 15 * time.Second
	}
	return time.Until(dl) < reserve
}

// process handles one due entry: it claims the entry's day and sends the
// summary, or, with a Queue, returns the claim for the caller to enqueue.
// Nothing here logs an address or content.
func (r *Runner) process(ctx context.Context, e Entry, now time.Time, st *Stats, p *pacer) *claim {
	log := r.Log.With("user", e.UserID, "day", string(e.Day))
	loc, err := time.LoadLocation(e.Timezone)
	if err != nil {
		log.Error("daily summary: entry time zone", "err", err)
		st.Failed++
		return nil
	}
	c, err := account.ParseClock(e.Time)
	if err != nil {
		log.Error("daily summary: entry time", "err", err)
		st.Failed++
		return nil
	}
	// Inline, one read for the user, their preferences and the day's
	// activities, before the claim (a deleted account or a stale entry is
	// handled here). The fan-out's run claims without reading: the worker
	// reads once and handles both (a claim cannot recreate the entry of a
	// deleted account: its condition needs the entry).
	var in Inputs
	if r.Queue == nil {
		in, err = r.read(ctx, e.UserID, e.Day, loc)
		if errors.Is(err, account.ErrNotFound) {
			// The account is gone: take it out of the index.
			if err := r.Store.DeleteDigest(ctx, e.UserID); err != nil {
				log.Error("daily summary: unschedule deleted user", "err", err)
			}
			st.Skipped++
			return nil
		}
		if err != nil {
			log.Error("daily summary: read user", "err", err)
			st.Failed++
			return nil
		}
		u := in.User
		// The profile hook keeps the entry in step; if it did not run (or ran
		// for an older version), repair the entry from the record now.
		if u.Version > e.SourceVersion && (!u.DailySummary.Enabled || u.Timezone != e.Timezone || u.DailySummary.Time != e.Time) {
			if err := (&Scheduler{Store: r.Store, Now: r.Now}).Sync(ctx, u); err != nil {
				log.Error("daily summary: repair entry", "err", err)
				st.Failed++
				return nil
			}
			st.Skipped++
			return nil
		}
	}
	// The next due day: after this one, and at or after now (a run that
	// comes late sends once, not once per missed day).
	dueNext, dayNext, err := NextDue(now, c, loc, e.Day)
	if err != nil {
		log.Error("daily summary: next due", "err", err)
		st.Failed++
		return nil
	}
	to := e
	to.Due, to.Day = dueNext, dayNext
	if e.SentThrough != "" && e.Day <= e.SentThrough {
		// Already sent for that day (the time was moved later the same day).
		dueNext, dayNext, err = NextDue(now, c, loc, e.SentThrough)
		if err == nil {
			to.Due, to.Day = dueNext, dayNext
			err = r.Store.SkipDigest(ctx, e, to)
		}
		if err != nil && !errors.Is(err, ErrLost) {
			log.Error("daily summary: skip a day already sent", "err", err)
		}
		st.Skipped++
		return nil
	}
	if err := r.Store.ClaimDigest(ctx, e, to); err != nil {
		if errors.Is(err, ErrLost) {
			st.Lost++
			return nil
		}
		log.Error("daily summary: claim", "err", err)
		st.Failed++
		return nil
	}
	if r.Queue != nil {
		return &claim{from: e, to: to}
	}
	if err := r.send(ctx, in, e.Day, loc, st, p); err != nil {
		st.Failed++
		r.release(ctx, log, "send", e, to, err)
	}
	return nil
}

// release gives a claimed day back after a failed send or enqueue, so the
// next run sends it.
func (r *Runner) release(ctx context.Context, log *slog.Logger, what string, from, to Entry, err error) {
	if rerr := r.Store.ReleaseDigest(context.WithoutCancel(ctx), from, to); rerr != nil {
		log.Error("daily summary: "+what+" failed and the claim could not be released; this day's summary is lost", "err", err, "releaseErr", rerr)
		return
	}
	log.Error("daily summary: "+what+" failed; released for the next run", "err", err)
}

// read reads what user userID's summary of local day d needs (one
// request, Store.DigestInputs); the user comes with its defaults applied.
func (r *Runner) read(ctx context.Context, userID string, d Day, loc *time.Location) (Inputs, error) {
	from, to, err := dayBounds(d, loc)
	if err != nil {
		return Inputs{}, err
	}
	in, err := r.Store.DigestInputs(ctx, userID, from, to)
	if err != nil {
		return Inputs{}, err
	}
	in.User.Defaults()
	return in, nil
}

// send composes the summary of local day d from what read returned and
// sends it, paced by p: the one sending step of the inline run and of the
// worker. A user who turned email off for every category it would list is
// counted skipped.
func (r *Runner) send(ctx context.Context, in Inputs, d Day, loc *time.Location, st *Stats, p *pacer) error {
	email, ok, err := r.compose(in, d, loc)
	if err != nil {
		return err
	}
	if !ok {
		st.Skipped++
		return nil
	}
	if err := p.wait(ctx); err != nil {
		return err
	}
	email.To = in.User.Email
	if err := r.Mailer.SendEmail(ctx, email); err != nil {
		return err
	}
	st.Sent++
	return nil
}

// compose builds the user's summary of day d. ok is false when the user
// turned off email for every category the summary covers.
func (r *Runner) compose(in Inputs, d Day, loc *time.Location) (notify.Email, bool, error) {
	allow := func(category string) bool {
		return in.Prefs == nil || prefs.AllowedAnywhere(in.Prefs, category, "email")
	}
	tasks, appts := allow("tasks"), allow("appointments")
	if !tasks && !appts {
		return notify.Email{}, false, nil
	}
	var kept []Activity
	for _, a := range in.Activities {
		if (a.Kind == KindTask && tasks) || (a.Kind == KindAppointment && appts) {
			kept = append(kept, a)
		}
	}
	u := in.User
	name := u.DisplayName
	if name == "" {
		name = u.FirstName
	}
	email, err := Summary{Name: name, Language: u.Language, Day: d, Location: loc, AppName: r.AppName, Activities: kept}.Render()
	if err != nil {
		return notify.Email{}, false, err
	}
	return email, true, nil
}

// report logs the run with its counts as CloudWatch Embedded Metric Format
// (the line's _aws member), so sends, failures and index reads become
// metrics (names as in shared/metrics) an alarm can watch, without a
// network call.
func (r *Runner) report(function string, st Stats, start time.Time, took time.Duration) {
	ns := r.Namespace
	if ns == "" {
		ns = "MyProfile"
	}
	names := []string{"DigestsDue", "DigestsSent", "DigestsQueued", "SendFailures", "DigestsDropped", "DigestIndexItemsRead"}
	metrics := make([]map[string]string, len(names), len(names)+1)
	for i, n := range names {
		metrics[i] = map[string]string{"Name": n, "Unit": "Count"}
	}
	metrics = append(metrics, map[string]string{"Name": "DigestLatenessSeconds", "Unit": "Seconds"})
	emf := map[string]any{
		"Timestamp":         start.UnixMilli(),
		"CloudWatchMetrics": []map[string]any{{"Namespace": ns, "Dimensions": [][]string{{"function"}}, "Metrics": metrics}},
	}
	level := slog.LevelInfo
	if st.Failed > 0 || st.Dropped > 0 || st.Incomplete {
		level = slog.LevelWarn
	}
	r.Log.Log(context.Background(), level, "daily summary run",
		"_aws", emf, "function", function,
		"DigestsDue", st.Due, "DigestsSent", st.Sent, "DigestsQueued", st.Queued, "SendFailures", st.Failed, "DigestsDropped", st.Dropped, "DigestIndexItemsRead", st.IndexItemsRead, "DigestLatenessSeconds", st.LatenessSeconds,
		"skipped", st.Skipped, "lost", st.Lost, "queries", st.Queries, "incomplete", st.Incomplete,
		"took", took.String())
}

// pacer spaces sends to at most rate per second (real time), across the
// run's workers.
type pacer struct {
	mu    sync.Mutex
	rate  float64
	next  time.Time
	sleep func(context.Context, time.Duration) error // nil: retry.Sleep
	now   func() time.Time                           // nil: time.Now
}

func (p *pacer) wait(ctx context.Context) error {
	if p.rate <= 0 {
		return nil
	}
	// Reserve the next slot under the lock, then wait for it outside.
	p.mu.Lock()
	now := time.Now()
	if p.now != nil {
		now = p.now()
	}
	slot := now
	if p.next.After(now) {
		slot = p.next
	}
	p.next = slot.Add(time.Duration(float64(time.Second) / p.rate))
	p.mu.Unlock()
	if wait := slot.Sub(now); wait > 0 {
		sleep := p.sleep
		if sleep == nil {
			sleep = retry.Sleep
		}
		return sleep(ctx, wait)
	}
	return nil
}
