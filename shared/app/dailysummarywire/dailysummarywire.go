// Package digestwire builds the daily summary: the daily-summary
// (schedule) and daily-summary-worker (queue) functions. (The profile
// function schedules summaries itself, see profilewire; activities has
// activitieswire, without the queue client.)
package dailysummarywire

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/mailwire"
	"github.com/example/myprofile/shared/dailysummary"
	"github.com/example/myprofile/shared/queue"
	"github.com/example/myprofile/shared/store/dailysummarydb"
)

// SQS is the service name of the SQS client (app.Deps.SetClient).
const SQS = "sqs"

// Runner returns the daily summary run (and worker). With
// Config.DigestQueueURL set the run fans out through that queue.
func Runner(d *app.Deps) *dailysummary.Runner {
	st := dailysummarydb.New(d.Store())
	var q dailysummary.Queue
	if d.Config.DigestQueueURL != "" {
		c := app.Client(d, SQS, func(cfg aws.Config) *sqs.Client { return sqs.NewFromConfig(cfg) })
		q = &queue.SQS{Client: c, URL: d.Config.DigestQueueURL}
	}
	return &dailysummary.Runner{
		Store: st, Mailer: mailwire.Mailer(d), Now: d.Now, Log: d.Log, Queue: q,
		Concurrency: d.Config.DailySummaryWorkerConcurrency,
		AppName:     d.Config.AppName, SendRate: d.Config.DailySummarySendRate,
		Namespace: os.Getenv("METRICS_NAMESPACE"), // set by the stack on every function
	}
}

// Worker returns the daily summary's queue consumer: it sends the days the
// scheduled run claimed and enqueued. It is built once per container, so
// state such as its send pacing spans the invocations a warm container
// serves.
func Worker(d *app.Deps) app.QueueJob {
	r := Runner(d)
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		batch := make([]dailysummary.Delivery, len(ev.Records))
		for i, m := range ev.Records {
			batch[i] = dailysummary.Delivery{ID: m.MessageId, Body: m.Body}
		}
		res := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
		for _, id := range r.Deliver(ctx, batch) {
			res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
		}
		return res, nil
	}
}

// DailySummaryJob sends the due daily summaries (its counts go to the log
// as metrics); an error means the index could not be read.
func DailySummaryJob(d *app.Deps) app.Job {
	return func(ctx context.Context, _ events.EventBridgeEvent) error {
		_, err := Runner(d).Run(ctx)
		return err
	}
}
