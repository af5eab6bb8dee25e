// Package eventswire builds the domain events emitter (EventBridge bus and
// the table's outbox) of the functions that publish events.
package eventswire

import (
	"context"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/events"
	"github.com/example/myprofile/shared/metrics"
	"github.com/example/myprofile/shared/store/eventsdb"
)

// EventBridge is the service name of the EventBridge client (app.Deps.SetClient).
const EventBridge = "eventbridge"

// Emitter returns the events emitter, or nil (nothing published) when no
// bus is configured (EVENT_BUS_NAME unset: the catalog does not let this
// function publish). "default" is the account's default bus.
func Emitter(d *app.Deps) *events.Emitter {
	name := d.Config.EventBusName
	if name == "" {
		return nil
	}
	if name == "default" {
		name = ""
	}
	c := app.Client(d, EventBridge, func(cfg aws.Config) *eventbridge.Client { return eventbridge.NewFromConfig(cfg) })
	return &events.Emitter{
		Outbox: eventsdb.New(d.Store()),
		Bus:    events.Bus{Client: c, Name: name, Source: d.Config.EventSource},
		Now:    d.Now,
		Log:    d.Log,
		Failed: func(ctx context.Context, n int) {
			if d.Metrics != nil {
				_ = d.Metrics.Count(ctx, metrics.EventsPublishFailed, n, nil)
			}
		},
	}
}

// SweepJob is the scheduled events-outbox run: it publishes the events
// the outbox still holds (a publish that failed at the time of the change)
// and deletes them, up to 1,000 a run. Events that fail again stay for the
// next run and are counted (EventsPublishFailed, alarmed); the run itself
// fails only when the outbox cannot be read.
func SweepJob(d *app.Deps) app.Job {
	return func(ctx context.Context, _ awsevents.EventBridgeEvent) error {
		em := Emitter(d)
		if em == nil {
			d.Log.WarnContext(ctx, "events-outbox: EVENT_BUS_NAME is not set; nothing to publish to")
			return nil
		}
		total, failedTotal := 0, 0
		for i := 0; i < 10; i++ {
			published, failed, err := em.Sweep(ctx, 100)
			total += published
			failedTotal += failed
			if err != nil {
				d.Log.WarnContext(ctx, "events-outbox: sweep incomplete", "err", err)
				break
			}
			if published == 0 {
				break
			}
		}
		d.Log.InfoContext(ctx, "events-outbox swept", "published", total, "failed", failedTotal)
		return nil
	}
}
