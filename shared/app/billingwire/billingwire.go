// Package billingwire builds the low-credit alerts: the balances (event)
// and low-credit (schedule) functions and the alert routes the profile
// function serves.
package billingwire

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/mailwire"
	"github.com/example/myprofile/shared/app/smswire"
	"github.com/example/myprofile/shared/billing"
	"github.com/example/myprofile/shared/catalog"
	"github.com/example/myprofile/shared/prefs"
	"github.com/example/myprofile/shared/store/billingdb"
	"github.com/example/myprofile/shared/store/prefsdb"
)

// Service returns the low-credit alert service.
func Service(d *app.Deps) *billing.Service {
	st := billingdb.New(d.Store())
	ps := prefsdb.New(d.Store())
	return &billing.Service{
		Store: st, Users: st, Mailer: mailwire.Mailer(d), Texter: smswire.Texter(d),
		Now: d.Now, Log: d.Log, AppName: d.Config.AppName, Metrics: d.Metrics,
		Allowed: func(ctx context.Context, u account.User, channel string) (bool, error) {
			p, err := ps.GetNotificationPrefs(ctx, u.ID)
			if err != nil {
				return false, err
			}
			return prefs.AllowedAnywhere(p, "billing", channel), nil
		},
	}
}

// BalancesJob consumes "Balance Changed" events: it keeps the
// organization's balance current and alerts at once on a crossing. An
// error makes EventBridge retry the event (then the DLQ); a retried event
// is idempotent.
func BalancesJob(d *app.Deps) app.Job {
	return func(ctx context.Context, ev events.EventBridgeEvent) error {
		if ev.Source != catalog.BillingSource || ev.DetailType != billing.DetailType {
			d.Log.WarnContext(ctx, "balances: unexpected event ignored", "source", ev.Source, "detailType", ev.DetailType, "eventId", ev.ID)
			return nil
		}
		be, err := billing.ParseBalanceEvent(ev.Detail)
		if err != nil {
			// A malformed event never becomes valid on retry: log and drop.
			d.Log.ErrorContext(ctx, "balances: invalid event dropped", "eventId", ev.ID, "error", err)
			return nil
		}
		st, err := Service(d).BalanceChanged(ctx, be)
		d.Log.InfoContext(ctx, "balance event", "eventId", ev.ID, "orgId", be.OrganizationID, "alerts", st.Alerts, "failed", st.Failed, "rearmed", st.Rearmed)
		if err != nil {
			return fmt.Errorf("balances: event %s: %w", ev.ID, err)
		}
		return nil
	}
}

// LowCreditJob is the scheduled safety net of the low-credit alerts.
func LowCreditJob(d *app.Deps) app.Job {
	return func(ctx context.Context, _ events.EventBridgeEvent) error {
		if _, err := Service(d).Run(ctx); err != nil {
			return fmt.Errorf("low-credit: %w", err)
		}
		return nil
	}
}
