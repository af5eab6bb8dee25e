// Package activitieswire builds the activities function: it keeps the
// table's copy of each user's activities (the daily summary's agenda).
package activitieswire

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/dailysummary"
	"github.com/example/myprofile/shared/store/dailysummarydb"
)

// Job applies one activity event to the table's copy.
func Job(d *app.Deps) app.Job {
	return func(ctx context.Context, ev events.EventBridgeEvent) error {
		a := &dailysummary.Activities{Store: dailysummarydb.New(d.Store()), Log: d.Log.With("function", "activities")}
		return a.Handle(ctx, ev.DetailType, ev.Detail)
	}
}
