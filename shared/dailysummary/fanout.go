package dailysummary

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/example/myprofile/shared/account"
)

// Fan-out. One run sends at most SendRate emails a second for under five
// minutes (its timeout), about 3,900 at SES's default 14/s; a larger due
// set would carry over from run to run. With a Queue the scheduled run only
// claims each due day (one conditional write, as inline) and enqueues the
// claim; a worker function consumes the queue in batches of ten (SQS event
// source with partial batch responses) and sends. SQS over Step Functions:
// the work is many independent small items, SQS gives retries per item
// (ReportBatchItemFailures), a dead-letter queue and a concurrency cap on
// the consumer for the send rate, at a fraction of the cost of a state
// transition per email, and the scheduled run stays the one place that
// reads the index.
//
// Never twice: SQS delivers at least once, so a claim also leaves a
// pending mark on the entry, and the worker sends only after consuming it
// (Store.TakeDigest, a conditional write): a redelivered or duplicate
// message finds the mark gone and is acknowledged without sending. A
// failed send puts the mark back (Store.ReturnDigest) and reports the
// message as a batch item failure, so SQS redelivers it after the
// visibility timeout; after maxReceiveCount it lands in the dead-letter
// queue, where a redrive still sends it unless a later day was claimed.
//
// Send rate: each worker invocation paces at SendRate/Concurrency, and the
// event source mapping lets at most Concurrency invocations run at once,
// so together they stay within SendRate (14/s with Concurrency 2: 7/s
// each, a batch of ten in about 1.4 s).

// Queue hands claimed days to the worker (SQS in production, see
// shared/queue).
type Queue interface {
	// Send enqueues the message bodies and returns one error per body: nil
	// when it was accepted.
	Send(ctx context.Context, bodies []string) []error
}

// Claim is a claimed day handed to the worker: the body of one queue
// message (JSON).
type Claim struct {
	UserID string `json:"userId"`
	// Day is the user's local day claimed (its summary is sent).
	Day Day `json:"day"`
	// ClaimedDue is the due instant the run claimed (for the logs).
	ClaimedDue time.Time `json:"claimedDue"`
	// Timezone is the zone the day was computed in; times are shown in it.
	Timezone string `json:"timezone"`
	// Time and SourceVersion are the entry's send time and the user record
	// version it was computed from: the worker repairs an entry a missed
	// profile hook left stale (the run claims without reading the user).
	Time          string `json:"time,omitempty"`
	SourceVersion int64  `json:"sourceVersion,omitempty"`
	// PrevSent, NextDue and NextDay let the worker give a stale entry's
	// claim back (Store.ReleaseDigest) before repairing it.
	PrevSent Day       `json:"prevSent,omitempty"`
	NextDue  time.Time `json:"nextDue,omitzero"`
	NextDay  Day       `json:"nextDay,omitempty"`
}

// Validate checks a decoded claim.
func (c Claim) Validate() error {
	if c.UserID == "" {
		return errors.New("claim: no userId")
	}
	if _, err := c.Day.date(); err != nil {
		return fmt.Errorf("claim: %w", err)
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" {
		return fmt.Errorf("claim: time zone %q", c.Timezone)
	}
	return nil
}

// claim is a day the run claimed: the entry as read and where it moved.
type claim struct{ from, to Entry }

// enqueue hands the page's claims to the worker; a claim that could not be
// enqueued is released for the next run.
func (r *Runner) enqueue(ctx context.Context, claims []claim, st *Stats) {
	if len(claims) == 0 {
		return
	}
	bodies := make([]string, len(claims))
	for i, c := range claims {
		b, err := json.Marshal(Claim{UserID: c.from.UserID, Day: c.from.Day, ClaimedDue: c.from.Due, Timezone: c.from.Timezone,
			Time: c.from.Time, SourceVersion: c.from.SourceVersion, PrevSent: c.from.SentThrough, NextDue: c.to.Due, NextDay: c.to.Day})
		if err != nil { // cannot happen for these field types
			b = []byte("{}")
		}
		bodies[i] = string(b)
	}
	errs := r.Queue.Send(ctx, bodies)
	for i, c := range claims {
		var err error
		if i < len(errs) {
			err = errs[i]
		} else {
			err = errors.New("digest: queue returned fewer results than messages")
		}
		if err == nil {
			st.Queued++
			continue
		}
		st.Failed++
		r.release(ctx, r.Log.With("user", c.from.UserID, "day", string(c.from.Day)), "enqueue", c.from, c.to, err)
	}
}

// Delivery is one queued message given to the worker.
type Delivery struct {
	// ID identifies the message in the batch (SQS messageId); Deliver
	// returns the IDs to retry.
	ID   string
	Body string
}

// pacerForWorker is the worker's pacer: SendRate/Concurrency, shared by
// the invocations of one container.
func (r *Runner) pacerForWorker() *pacer {
	r.workerOnce.Do(func() {
		c := r.Concurrency
		if c <= 0 {
			c = 2
		}
		r.workerPacer = &pacer{rate: r.SendRate / float64(c), sleep: r.sleep}
	})
	return r.workerPacer
}

// Deliver is the worker: it sends the summary of each queued claim and
// returns the IDs of the messages to retry (a partial batch response);
// every other message is done, sent or rightly dropped.
func (r *Runner) Deliver(ctx context.Context, batch []Delivery) (retry []string) {
	start, began := r.Now(), time.Now()
	p := r.pacerForWorker()
	workers := r.Workers
	if workers <= 0 {
		workers = 8
	}
	var st Stats
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for i, d := range batch {
		if r.outOfTime(ctx) {
			// Near the deadline: the rest comes back untouched (not taken)
			// after the visibility timeout.
			mu.Lock()
			for _, rest := range batch[i:] {
				retry = append(retry, rest.ID)
			}
			mu.Unlock()
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			one := Stats{Due: 1}
			again := r.deliver(ctx, d, &one, p)
			st.add(&mu, one)
			if again {
				mu.Lock()
				retry = append(retry, d.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r.report("daily-summary-worker", st, start, time.Since(began))
	return retry
}

// deliver sends one queued claim; true asks for the message to come again.
func (r *Runner) deliver(ctx context.Context, d Delivery, st *Stats, p *pacer) bool {
	var c Claim
	if err := json.Unmarshal([]byte(d.Body), &c); err != nil {
		// Never sendable: retried into the dead-letter queue, where its
		// alarm shows it.
		r.Log.Error("daily summary worker: undecodable message", "messageId", d.ID, "err", err)
		st.Failed++
		return true
	}
	if err := c.Validate(); err != nil {
		r.Log.Error("daily summary worker: invalid message", "messageId", d.ID, "err", err)
		st.Failed++
		return true
	}
	log := r.Log.With("user", c.UserID, "day", string(c.Day), "messageId", d.ID)
	if err := r.Store.TakeDigest(ctx, c.UserID, c.Day); err != nil {
		if errors.Is(err, ErrReplaced) {
			// Never silent: the day's summary is not sent.
			log.Warn("daily summary worker: day dropped, a later day was claimed before it was sent")
			st.Dropped++
			return false
		}
		if errors.Is(err, ErrLost) {
			// A redelivery of a message already taken, or a claim that was
			// released: nothing to send.
			st.Lost++
			return false
		}
		log.Error("daily summary worker: take the claimed day", "err", err)
		st.Failed++
		return true
	}
	loc, err := time.LoadLocation(c.Timezone)
	var in Inputs
	if err == nil {
		// One read: the user, their preferences and the day's activities.
		in, err = r.read(ctx, c.UserID, c.Day, loc)
	}
	if errors.Is(err, account.ErrNotFound) {
		st.Skipped++ // the account is gone; the next run unschedules it
		return false
	}
	if err == nil {
		u := in.User
		if c.SourceVersion > 0 && u.Version > c.SourceVersion && (!u.DailySummary.Enabled || u.Timezone != c.Timezone || u.DailySummary.Time != c.Time) {
			// A profile hook did not run: give the claim back and repair
			// the entry from the record (as the inline run does, before
			// its claim), so the day goes out at the user's current time.
			if !c.NextDue.IsZero() {
				from := Entry{UserID: c.UserID, Due: c.ClaimedDue, Day: c.Day, Timezone: c.Timezone, Time: c.Time,
					SentThrough: c.PrevSent, SourceVersion: c.SourceVersion}
				to := from
				to.Due, to.Day = c.NextDue, c.NextDay
				if err := r.Store.ReleaseDigest(ctx, from, to); err != nil && !errors.Is(err, ErrLost) {
					log.Error("daily summary worker: give a stale claim back", "err", err)
				}
			}
			if err := (&Scheduler{Store: r.Store, Now: r.Now}).Sync(ctx, u); err != nil {
				log.Error("daily summary worker: repair entry", "err", err)
			}
			st.Skipped++
			return false
		}
		if !u.DailySummary.Enabled {
			st.Skipped++ // turned off since the claim
			return false
		}
		if err = r.send(ctx, in, c.Day, loc, st, p); err == nil && st.Sent > 0 {
			st.LatenessSeconds = max(0, r.Now().Sub(c.ClaimedDue).Seconds())
		}
	}
	if err != nil {
		st.Failed++
		r.giveBack(ctx, log, c, err)
		return true
	}
	return false
}

// giveBack restores the pending mark after a failed send so that the
// message's redelivery sends the day.
func (r *Runner) giveBack(ctx context.Context, log *slog.Logger, c Claim, err error) {
	if rerr := r.Store.ReturnDigest(context.WithoutCancel(ctx), c.UserID, c.Day); rerr != nil {
		log.Error("daily summary worker: send failed and the day could not be returned; this day's summary is lost", "err", err, "returnErr", rerr)
		return
	}
	log.Error("daily summary worker: send failed; the message will be redelivered", "err", err)
}
