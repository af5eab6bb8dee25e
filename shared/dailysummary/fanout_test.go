package dailysummary_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/app/dailysummarywire"
	"github.com/example/myprofile/shared/dailysummary"
	"github.com/example/myprofile/shared/notify"
)

// The SQS emulator (goaws) runs inside this test binary, once.
var sqsEmu struct {
	once sync.Once
	svc  *localcloud.Service
	err  error
}

// newQueue returns an SDK client for the SQS emulator and the URL of a new
// queue of this test's own.
func newQueue(t *testing.T) (*sqs.Client, string) {
	t.Helper()
	sqsEmu.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		sqsEmu.svc, sqsEmu.err = localcloud.StartSQS(ctx, "127.0.0.1:0")
	})
	if sqsEmu.err != nil {
		t.Fatalf("sqs emulator: %v", sqsEmu.err)
	}
	client := localcloud.NewSQSClient(testenv.Config(t), sqsEmu.svc.Endpoint)
	url, err := localcloud.CreateQueue(context.Background(), client, "digest-"+testenv.RandomID(t))
	if err != nil {
		t.Fatal(err)
	}
	return client, url
}

// fanOut turns the environment's daily summary fan-out on, as the stack
// does with the queue URL.
func fanOut(t *testing.T, e *apptest.Env) (*sqs.Client, string) {
	t.Helper()
	client, url := newQueue(t)
	e.Deps.SetClient(dailysummarywire.SQS, client)
	e.Deps.Config.DigestQueueURL = url
	return client, url
}

// receive takes up to 10 visible messages off the queue, as the Lambda
// event source's poller does, and makes the worker's event of them.
func receive(t *testing.T, client *sqs.Client, url string) events.SQSEvent {
	t.Helper()
	out, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
	})
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	var ev events.SQSEvent
	for _, m := range out.Messages {
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
			Body: aws.ToString(m.Body), Attributes: m.Attributes, EventSource: "aws:sqs", EventSourceARN: url,
		})
	}
	return ev
}

// settle does what the event source mapping does with a response: it
// deletes the messages that succeeded; the failed ones stay in flight.
func settle(t *testing.T, client *sqs.Client, url string, ev events.SQSEvent, res events.SQSEventResponse) {
	t.Helper()
	failed := map[string]bool{}
	for _, f := range res.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	for _, m := range ev.Records {
		if failed[m.MessageId] {
			continue
		}
		if _, err := client.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(m.ReceiptHandle)}); err != nil {
			t.Fatalf("delete: %v", err)
		}
	}
}

func TestFanOutSendsEachDueDayOnceThroughTheQueue(t *testing.T) {
	e := newEnv(t)
	client, url := fanOut(t, e)
	users := []apptest.User{
		subscribe(t, e, "Europe/Berlin", "en", "08:00"),    // 07:00 UTC
		subscribe(t, e, "Asia/Kolkata", "es", "06:00"),     // 00:30 UTC
		subscribe(t, e, "America/New_York", "en", "02:00"), // 07:00 UTC
	}
	later := subscribe(t, e, "UTC", "en", "23:00")
	e.Clock.Set(start.Add(7*time.Hour + time.Minute))

	st := mustRun(t, e.Deps.DailySummary())
	if st.Queued != 3 || st.Sent != 0 || st.Failed != 0 {
		t.Fatalf("fan-out run: %+v, want 3 queued and nothing sent by the run", st)
	}
	for _, u := range users {
		if n := len(e.Emails(u.Email)); n != 0 {
			t.Fatalf("the run itself sent %d emails", n)
		}
	}
	// The claims moved the entries: a second run finds nothing due.
	if st := mustRun(t, e.Deps.DailySummary()); st.Due != 0 || st.Queued != 0 {
		t.Fatalf("second run: %+v, want nothing due", st)
	}

	ev := receive(t, client, url)
	if len(ev.Records) != 3 {
		t.Fatalf("queue holds %d messages, want 3", len(ev.Records))
	}
	var c dailysummary.Claim
	if err := json.Unmarshal([]byte(ev.Records[0].Body), &c); err != nil || c.Validate() != nil || c.ClaimedDue.IsZero() {
		t.Fatalf("message body %s: %+v, %v", ev.Records[0].Body, c, err)
	}
	worker, err := e.Deps.QueueJob("daily-summary-worker")
	if err != nil {
		t.Fatal(err)
	}
	res, err := worker(context.Background(), ev)
	if err != nil || len(res.BatchItemFailures) != 0 {
		t.Fatalf("worker: %+v, %v; want every message done", res, err)
	}
	// SQS delivers at least once: the same batch again sends nothing.
	res, err = worker(context.Background(), ev)
	if err != nil || len(res.BatchItemFailures) != 0 {
		t.Fatalf("redelivered batch: %+v, %v", res, err)
	}
	settle(t, client, url, ev, res)
	for _, u := range users {
		if n := len(e.Emails(u.Email)); n != 1 {
			t.Errorf("%s: %d emails, want exactly 1", u.Email, n)
		}
	}
	if got := e.Emails(users[1].Email); len(got) == 1 && got[0].Subject != "Tu día: sábado, 7 de marzo de 2026" {
		t.Errorf("kolkata (es) subject %q: want the claimed local day in the user's language", got[0].Subject)
	}
	if n := len(e.Emails(later.Email)); n != 0 {
		t.Errorf("a user due later got %d emails", n)
	}
	if ev := receive(t, client, url); len(ev.Records) != 0 {
		t.Errorf("queue still holds %d messages", len(ev.Records))
	}
}

// selectiveMailer fails the sends to one address and passes the rest on.
type selectiveMailer struct {
	notify.Mailer
	fail string
}

func (m selectiveMailer) SendEmail(ctx context.Context, em notify.Email) error {
	if em.To == m.fail {
		return errors.New("ses: throttled")
	}
	return m.Mailer.SendEmail(ctx, em)
}

func TestFanOutWorkerFailureIsRedeliveredAndSentOnce(t *testing.T) {
	e := newEnv(t)
	client, url := fanOut(t, e)
	ok := subscribe(t, e, "UTC", "en", "08:00")
	flaky := subscribe(t, e, "UTC", "en", "08:00")
	e.Clock.Set(start.Add(8*time.Hour + time.Minute))
	if st := mustRun(t, e.Deps.DailySummary()); st.Queued != 2 {
		t.Fatalf("run: %+v, want 2 queued", st)
	}

	ev := receive(t, client, url)
	if len(ev.Records) != 2 {
		t.Fatalf("queue holds %d messages, want 2", len(ev.Records))
	}
	ev.Records = append(ev.Records, events.SQSMessage{MessageId: "not-a-claim", Body: "{"})
	broken := e.Deps.DailySummary()
	broken.Mailer = selectiveMailer{Mailer: e.Deps.Mailer(), fail: flaky.Email}
	batch := make([]dailysummary.Delivery, len(ev.Records))
	var flakyID string
	for i, m := range ev.Records {
		batch[i] = dailysummary.Delivery{ID: m.MessageId, Body: m.Body}
		var c dailysummary.Claim
		if json.Unmarshal([]byte(m.Body), &c) == nil && c.UserID == flaky.ID {
			flakyID = m.MessageId
		}
	}
	retry := broken.Deliver(context.Background(), batch)
	slices.Sort(retry)
	if want := []string{flakyID, "not-a-claim"}; !slices.Equal(retry, want) {
		t.Fatalf("batch item failures %v, want %v (the failed send and the undecodable message)", retry, want)
	}
	if n, m := len(e.Emails(ok.Email)), len(e.Emails(flaky.Email)); n != 1 || m != 0 {
		t.Fatalf("after the partial failure: %d and %d emails, want 1 and 0", n, m)
	}
	settle(t, client, url, ev, events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: flakyID}, {ItemIdentifier: "not-a-claim"}}})

	// The failed day is not due in the index (the queue owns it): a run
	// meanwhile neither sends nor queues it again.
	e.Clock.Advance(5 * time.Minute)
	if st := mustRun(t, e.Deps.DailySummary()); st.Due != 0 {
		t.Fatalf("run after the failure: %+v, want nothing due", st)
	}
	// The visibility timeout runs out: SQS delivers the message again.
	if _, err := client.ChangeMessageVisibility(context.Background(), &sqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(url), ReceiptHandle: aws.String(receiptOf(ev, flakyID)), VisibilityTimeout: 0,
	}); err != nil {
		t.Fatal(err)
	}
	again := receive(t, client, url)
	if len(again.Records) != 1 || again.Records[0].MessageId != flakyID {
		t.Fatalf("redelivery: %+v, want the failed message", again.Records)
	}
	worker := e.Deps.DailySummaryWorker()
	for range 2 { // and once more, as a duplicate delivery
		res, err := worker(context.Background(), again)
		if err != nil || len(res.BatchItemFailures) != 0 {
			t.Fatalf("redelivery: %+v, %v", res, err)
		}
	}
	if n, m := len(e.Emails(ok.Email)), len(e.Emails(flaky.Email)); n != 1 || m != 1 {
		t.Fatalf("after the redelivery: %d and %d emails, want exactly 1 each", n, m)
	}
}

func receiptOf(ev events.SQSEvent, id string) string {
	for _, m := range ev.Records {
		if m.MessageId == id {
			return m.ReceiptHandle
		}
	}
	return ""
}

// refusingQueue accepts nothing, like SQS during an outage.
type refusingQueue struct{}

func (refusingQueue) Send(_ context.Context, bodies []string) []error {
	errs := make([]error, len(bodies))
	for i := range errs {
		errs[i] = errors.New("sqs: service unavailable")
	}
	return errs
}

func TestFanOutEnqueueFailureReleasesTheDay(t *testing.T) {
	e := newEnv(t)
	u := subscribe(t, e, "Asia/Kolkata", "en", "06:00")
	e.Clock.Set(time.Date(2026, 3, 7, 0, 31, 0, 0, time.UTC))
	r := e.Deps.DailySummary()
	r.Queue = refusingQueue{}
	if st := mustRun(t, r); st.Failed != 1 || st.Queued != 0 {
		t.Fatalf("run with the queue down: %+v, want 1 failed", st)
	}
	// Released: the next run (here inline) sends it.
	e.Clock.Advance(5 * time.Minute)
	if st := mustRun(t, e.Deps.DailySummary()); st.Sent != 1 {
		t.Fatalf("next run: %+v, want the released day sent", st)
	}
	if n := len(e.Emails(u.Email)); n != 1 {
		t.Fatalf("%d emails, want 1", n)
	}
}

// A claim taken over by a later day (the message sat in the queue past the
// user's next due day) is dropped, never sent late and twice.
func TestFanOutStaleClaimIsDropped(t *testing.T) {
	e := newEnv(t)
	client, url := fanOut(t, e)
	u := subscribe(t, e, "UTC", "en", "08:00")
	e.Clock.Set(start.Add(8*time.Hour + time.Minute))
	mustRun(t, e.Deps.DailySummary())
	first := receive(t, client, url)
	e.Clock.Set(start.Add(32*time.Hour + time.Minute)) // the next day, 08:01
	if st := mustRun(t, e.Deps.DailySummary()); st.Queued != 1 {
		t.Fatalf("next day's run: %+v, want 1 queued", st)
	}
	// Never silently: the store tells a replaced day from a taken one, and
	// the worker logs it and counts it (DigestsDropped).
	if err := e.Deps.Store().TakeDigest(context.Background(), u.ID, dailysummary.Day("2026-03-07")); !errors.Is(err, dailysummary.ErrReplaced) {
		t.Errorf("taking the superseded day: %v, want ErrReplaced", err)
	}
	worker := e.Deps.DailySummaryWorker()
	if _, err := worker(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	if n := len(e.Emails(u.Email)); n != 0 {
		t.Fatalf("the superseded day was sent (%d emails)", n)
	}
	second := receive(t, client, url)
	if _, err := worker(context.Background(), second); err != nil {
		t.Fatal(err)
	}
	got := e.Emails(u.Email)
	if len(got) != 1 || got[0].Subject != "Your day: Sunday, March 8, 2026" {
		t.Fatalf("emails %+v, want the second day's only", got)
	}
}

// The worker's sample event (events/) is what the event source sends: it
// parses and its message is a valid claim.
func TestWorkerSampleEvent(t *testing.T) {
	raw, err := os.ReadFile("../../events/daily-summary-worker-sqs.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil || len(ev.Records) == 0 {
		t.Fatalf("sample event: %v (%d records)", err, len(ev.Records))
	}
	for _, m := range ev.Records {
		var c dailysummary.Claim
		if err := json.Unmarshal([]byte(m.Body), &c); err != nil {
			t.Fatalf("body %q: %v", m.Body, err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("body %q: %v", m.Body, err)
		}
	}
}

// A worker near its deadline takes nothing more: the rest of the batch is
// reported for redelivery, untouched.
func TestWorkerOutOfTimeReturnsTheRestUntouched(t *testing.T) {
	e := newEnv(t)
	client, url := fanOut(t, e)
	u := subscribe(t, e, "UTC", "en", "08:00")
	e.Clock.Set(start.Add(8*time.Hour + time.Minute))
	mustRun(t, e.Deps.DailySummary())
	ev := receive(t, client, url)
	if len(ev.Records) != 1 {
		t.Fatalf("%d messages, want 1", len(ev.Records))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // under the 15 s reserve
	defer cancel()
	worker := e.Deps.DailySummaryWorker()
	res, err := worker(ctx, ev)
	if err != nil || len(res.BatchItemFailures) != 1 || res.BatchItemFailures[0].ItemIdentifier != ev.Records[0].MessageId {
		t.Fatalf("worker near its deadline: %+v, %v; want the message back", res, err)
	}
	if n := len(e.Emails(u.Email)); n != 0 {
		t.Fatalf("sent %d emails out of time", n)
	}
	if res, err := worker(context.Background(), ev); err != nil || len(res.BatchItemFailures) != 0 || len(e.Emails(u.Email)) != 1 {
		t.Fatalf("redelivery with time: %+v, %v, %d emails; want 1 sent", res, err, len(e.Emails(u.Email)))
	}
}

// With the fan-out the run claims without reading the user, so the worker
// repairs an entry a missed profile hook left stale: it sends nothing for
// the stale time, and the summary goes out once at the new time.
func TestFanOutWorkerRepairsAStaleEntry(t *testing.T) {
	e := newEnv(t)
	client, url := fanOut(t, e)
	u := subscribe(t, e, "UTC", "en", "08:00")
	ctx := context.Background()
	st := e.Deps.Store()
	saveTimeWithoutHook(t, e, u.ID, "10:00")
	worker, err := e.Deps.QueueJob("daily-summary-worker")
	if err != nil {
		t.Fatal(err)
	}
	deliver := func(when string) {
		t.Helper()
		ev := receive(t, client, url)
		if len(ev.Records) != 1 {
			t.Fatalf("%s: queue holds %d messages, want 1", when, len(ev.Records))
		}
		res, err := worker(ctx, ev)
		if err != nil || len(res.BatchItemFailures) != 0 {
			t.Fatalf("%s: worker %+v, %v; want the message done", when, res, err)
		}
		settle(t, client, url, ev, res)
	}
	e.Clock.Set(start.Add(8 * time.Hour))
	if s := mustRun(t, e.Deps.DailySummary()); s.Queued != 1 {
		t.Fatalf("run at the stale time: %+v, want the day claimed and queued", s)
	}
	deliver("stale time")
	if got := len(e.Emails(u.Email)); got != 0 {
		t.Fatalf("at the stale time: %d emails, want none", got)
	}
	ent, err := st.DigestSchedule(ctx, u.ID)
	if err != nil || !ent.Due.Equal(start.Add(10*time.Hour)) {
		t.Fatalf("repaired entry = %+v, %v; want due at 10:00", ent, err)
	}
	e.Clock.Set(start.Add(10 * time.Hour))
	if s := mustRun(t, e.Deps.DailySummary()); s.Queued != 1 {
		t.Fatalf("run at the new time: %+v, want the day queued", s)
	}
	deliver("new time")
	if got := len(e.Emails(u.Email)); got != 1 {
		t.Fatalf("at the new time: %d emails, want 1", got)
	}
}
