package billing_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/billing"
	"github.com/example/myprofile/shared/catalog"
	"github.com/example/myprofile/shared/notify"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// member is a signed-up owner with a verified phone who allowed billing SMS.
type member struct {
	apptest.User
	Phone string
}

func mustMember(t *testing.T, e *apptest.Env, lang string) member {
	t.Helper()
	u := e.SignUp(map[string]any{"language": lang})
	phone := fmt.Sprintf("+1555%07d", time.Now().UnixNano()%10_000_000)
	st := e.Deps.Store()
	ctx := context.Background()
	rec, err := st.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatalf("get user: %v", err)
	}
	expect := rec.Version
	rec.Phone, rec.PhoneVerified, rec.Version = phone, true, expect+1
	if err := st.SaveUser(ctx, rec, expect); err != nil {
		t.Fatalf("verify phone: %v", err)
	}
	e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: "/v1/me/notifications", Token: u.Token,
		Body: map[string]any{"web": map[string]any{"billing": map[string]any{"sms": true}}}})
	return member{User: u, Phone: phone}
}

func mustSetAlert(t *testing.T, e *apptest.Env, m member, amount int64, channels ...string) {
	t.Helper()
	e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: "/v1/me/billing-alert", Token: m.Token,
		Body: map[string]any{"enabled": true, "threshold": map[string]any{"amount": amount, "currency": "USD"}, "channels": channels}})
}

// balanceEvent delivers a Balance Changed event through the balances
// function's handler, as EventBridge would.
func balanceEvent(t *testing.T, e *apptest.Env, orgID string, amount int64, at time.Time) {
	t.Helper()
	detail, _ := json.Marshal(map[string]any{"organizationId": orgID, "balance": map[string]any{"amount": amount, "currency": "USD"}, "computedAt": at})
	job, err := e.Deps.Job("balances")
	if err != nil {
		t.Fatal(err)
	}
	ev := events.EventBridgeEvent{ID: testenv.RandomID(t), Source: catalog.BillingSource, DetailType: billing.DetailType, Detail: detail}
	if err := job(context.Background(), ev); err != nil {
		t.Fatalf("balances(%d): %v", amount, err)
	}
}

func runSchedule(t *testing.T, e *apptest.Env) {
	t.Helper()
	job, err := e.Deps.Job("low-credit")
	if err != nil {
		t.Fatal(err)
	}
	if err := job(context.Background(), events.EventBridgeEvent{Source: "aws.events", DetailType: "Scheduled Event"}); err != nil {
		t.Fatalf("low-credit run: %v", err)
	}
}

func wantInbox(t *testing.T, e *apptest.Env, m member, emails, sms int) {
	t.Helper()
	if got := len(e.Emails(m.Email)); got != emails {
		t.Errorf("emails = %d, want %d", got, emails)
	}
	if got := len(e.SMS(m.Phone)); got != sms {
		t.Errorf("SMS = %d, want %d", got, sms)
	}
}

func TestLowCreditAlertOncePerCrossing(t *testing.T) {
	e := apptest.New(t, nil)
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	st := e.Deps.Store()
	ctx := context.Background()

	// Each subtest has its own member (and organization): alert below
	// $50.00 by email and SMS, balance $100.00 at t0, nothing sent yet.
	start := func(t *testing.T) (*apptest.Env, member) {
		t.Helper()
		e := e.For(t)
		m := mustMember(t, e, "en")
		mustSetAlert(t, e, m, 5000, "email", "sms")
		balanceEvent(t, e, m.OrgID, 10000, t0)
		wantInbox(t, e, m, 0, 0)
		return e, m
	}
	// crossTwice falls to $40.00, rises to $60.00 and falls to $45.00.
	crossTwice := func(t *testing.T, e *apptest.Env, m member) {
		t.Helper()
		balanceEvent(t, e, m.OrgID, 4000, t0.Add(time.Minute))
		balanceEvent(t, e, m.OrgID, 6000, t0.Add(3*time.Minute))
		balanceEvent(t, e, m.OrgID, 4500, t0.Add(4*time.Minute))
		wantInbox(t, e, m, 2, 2)
	}

	t.Run("falling below the threshold alerts once by each channel", func(t *testing.T) {
		e, m := start(t)
		balanceEvent(t, e, m.OrgID, 4000, t0.Add(time.Minute))
		wantInbox(t, e, m, 1, 1)
		mails := e.Emails(m.Email)
		if len(mails) == 1 && (!strings.Contains(mails[0].Text, "$40.00") || !strings.Contains(mails[0].Text, "$50.00")) {
			t.Errorf("email does not show balance and threshold: %q", mails[0].Text)
		}
		if sms := e.SMS(m.Phone); len(sms) == 1 && !strings.Contains(sms[0].Message, "$40.00") {
			t.Errorf("SMS = %q", sms[0].Message)
		}
	})
	t.Run("falling further and scheduled runs send nothing more", func(t *testing.T) {
		e, m := start(t)
		balanceEvent(t, e, m.OrgID, 4000, t0.Add(time.Minute))
		balanceEvent(t, e, m.OrgID, 3000, t0.Add(2*time.Minute))
		runSchedule(t, e)
		runSchedule(t, e)
		wantInbox(t, e, m, 1, 1)
	})
	t.Run("back above the threshold re-arms without a message", func(t *testing.T) {
		e, m := start(t)
		balanceEvent(t, e, m.OrgID, 4000, t0.Add(time.Minute))
		balanceEvent(t, e, m.OrgID, 6000, t0.Add(3*time.Minute))
		wantInbox(t, e, m, 1, 1)
		sub, err := st.GetSubscription(ctx, m.OrgID, m.ID)
		if err != nil || !sub.Armed {
			t.Errorf("subscription after the rise: armed=%v err=%v, want armed", sub.Armed, err)
		}
	})
	t.Run("the next crossing alerts once more", func(t *testing.T) {
		e, m := start(t)
		crossTwice(t, e, m)
	})
	t.Run("duplicate and out-of-order events change nothing", func(t *testing.T) {
		e, m := start(t)
		crossTwice(t, e, m)
		balanceEvent(t, e, m.OrgID, 4500, t0.Add(4*time.Minute))   // duplicate
		balanceEvent(t, e, m.OrgID, 9000, t0.Add(3*time.Minute+1)) // older, above
		balanceEvent(t, e, m.OrgID, 1000, t0.Add(90*time.Second))  // older, below
		balanceEvent(t, e, m.OrgID, 6000, t0.Add(3*time.Minute))   // replay of the rise
		balanceEvent(t, e, m.OrgID, 4000, t0.Add(time.Minute))     // replay of the first fall
		runSchedule(t, e)
		wantInbox(t, e, m, 2, 2)
		b, err := st.GetBalance(ctx, m.OrgID)
		if err != nil || b.Money.Amount != 4500 || !b.ComputedAt.Equal(t0.Add(4*time.Minute)) {
			t.Errorf("stored balance = %+v (%v), want 4500 computed at %v", b, err, t0.Add(4*time.Minute))
		}
		sub, err := st.GetSubscription(ctx, m.OrgID, m.ID)
		if err != nil || sub.Armed {
			t.Errorf("subscription re-armed by an old event (armed=%v, err=%v)", sub.Armed, err)
		}
	})
	t.Run("raising the threshold re-evaluates at once", func(t *testing.T) {
		e, m := start(t)
		crossTwice(t, e, m)
		mustSetAlert(t, e, m, 8000, "email")
		wantInbox(t, e, m, 3, 2)
		if mails := e.Emails(m.Email); len(mails) == 3 && !strings.Contains(mails[2].Text, "$80.00") {
			t.Errorf("new threshold not in the email: %q", mails[2].Text)
		}
	})
	t.Run("changing only the channels does not alert again", func(t *testing.T) {
		e, m := start(t)
		crossTwice(t, e, m)
		mustSetAlert(t, e, m, 8000, "email")
		wantInbox(t, e, m, 3, 2)
		mustSetAlert(t, e, m, 8000, "email", "sms")
		wantInbox(t, e, m, 3, 2)
	})
}

func TestConcurrentRunsSendOnce(t *testing.T) {
	e := apptest.New(t, nil)
	m := mustMember(t, e, "en")
	mustSetAlert(t, e, m, 5000, "email", "sms")
	// The balance lands below the threshold without the event's immediate
	// evaluation, as if that invocation had died: only the schedule is left.
	if _, err := e.Deps.Store().PutBalance(context.Background(), billing.Balance{
		OrgID: m.OrgID, Money: billing.Money{Amount: 100, Currency: "USD"}, ComputedAt: time.Now(), Low: true,
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := e.Deps.Billing().Run(context.Background()); err != nil {
				t.Errorf("run: %v", err)
			}
		})
	}
	wg.Wait()
	wantInbox(t, e, m, 1, 1)
}

func TestFailedSendStaysArmed(t *testing.T) {
	e := apptest.New(t, nil)
	m := mustMember(t, e, "en")
	mustSetAlert(t, e, m, 5000, "email", "sms")
	ctx := context.Background()
	broken := e.Deps.Billing()
	broken.Mailer = apptest.FailingMailer{}
	_, err := broken.BalanceChanged(ctx, billing.BalanceEvent{OrganizationID: m.OrgID, Balance: billing.Money{Amount: 4000, Currency: "USD"}, ComputedAt: time.Now()})
	if !errors.Is(err, notify.ErrSend) {
		t.Errorf("BalanceChanged with SES down: err = %v, want notify.ErrSend", err)
	}
	wantInbox(t, e, m, 0, 1) // the SMS went out; the email did not
	sub, err := e.Deps.Store().GetSubscription(ctx, m.OrgID, m.ID)
	if err != nil || !sub.Armed || sub.LeaseID != "" {
		t.Fatalf("after a failed send: armed=%v lease=%q err=%v, want armed and no lease", sub.Armed, sub.LeaseID, err)
	}
	runSchedule(t, e) // SES is back
	wantInbox(t, e, m, 1, 1)
	runSchedule(t, e)
	wantInbox(t, e, m, 1, 1)
}

// A channel that failed on one crossing is not counted as sent on the
// next: a recovery ends the crossing, and the next one uses every channel.
func TestFailedChannelDoesNotCarryOverToTheNextCrossing(t *testing.T) {
	e := apptest.New(t, nil)
	m := mustMember(t, e, "en")
	mustSetAlert(t, e, m, 5000, "email", "sms")
	ctx := context.Background()
	t0 := time.Now().UTC()
	broken := e.Deps.Billing()
	broken.Mailer = apptest.FailingMailer{}
	if _, err := broken.BalanceChanged(ctx, billing.BalanceEvent{OrganizationID: m.OrgID, Balance: billing.Money{Amount: 4000, Currency: "USD"}, ComputedAt: t0}); !errors.Is(err, notify.ErrSend) {
		t.Fatalf("first crossing with SES down: %v", err)
	}
	wantInbox(t, e, m, 0, 1)
	balanceEvent(t, e, m.OrgID, 6000, t0.Add(time.Minute)) // back above: no message
	wantInbox(t, e, m, 0, 1)
	balanceEvent(t, e, m.OrgID, 4500, t0.Add(2*time.Minute)) // the next crossing
	wantInbox(t, e, m, 1, 2)
}

func TestSpanishAlertFormatsForLocale(t *testing.T) {
	e := apptest.New(t, nil)
	m := mustMember(t, e, "es-ES")
	mustSetAlert(t, e, m, 5000, "email")
	balanceEvent(t, e, m.OrgID, 123456-120000, time.Now())
	mails := e.Emails(m.Email)
	if len(mails) != 1 {
		t.Fatalf("emails = %d, want 1", len(mails))
	}
	if !strings.Contains(mails[0].Text, "34,56\u00a0US$") || !strings.Contains(mails[0].Text, "umbral") {
		t.Errorf("Spanish email = %q", mails[0].Text)
	}
}

func TestPermissionLossStopsAlerts(t *testing.T) {
	e := apptest.New(t, nil)
	m := mustMember(t, e, "en")
	mustSetAlert(t, e, m, 5000, "email")
	ctx := context.Background()
	st := e.Deps.Store()
	u, err := st.GetUser(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	expect := u.Version
	u.Orgs[m.OrgID] = account.Membership{Role: account.RoleUser, JoinedAt: u.Orgs[m.OrgID].JoinedAt}
	u.Version = expect + 1
	if err := st.SaveUser(ctx, u, expect); err != nil {
		t.Fatal(err)
	}
	balanceEvent(t, e, m.OrgID, 100, time.Now())
	runSchedule(t, e)
	wantInbox(t, e, m, 0, 0)
	if sub, err := st.GetSubscription(ctx, m.OrgID, m.ID); err != nil || sub.Settings.Enabled {
		t.Errorf("subscription of a member without the permission: enabled=%v err=%v", sub.Settings.Enabled, err)
	}
	res := e.Do(apptest.Req{Method: "PUT", Path: "/v1/me/billing-alert", Token: m.Token,
		Body: map[string]any{"enabled": true, "threshold": map[string]any{"amount": 5000, "currency": "USD"}, "channels": []string{"email"}}})
	if res.Status != http.StatusForbidden || res.Code() != "forbidden" {
		t.Errorf("PUT by a plain member: %d %s, want 403 forbidden", res.Status, res.Body)
	}
}

func TestBillingAlertAPI(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	got := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/billing-alert", Token: u.Token}).JSON()
	if got["enabled"] != false {
		t.Errorf("default = %v", got)
	}
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"sms without a verified phone", map[string]any{"enabled": true, "threshold": map[string]any{"amount": 5000, "currency": "USD"}, "channels": []string{"sms"}}, "channels"},
		{"unknown channel", map[string]any{"enabled": true, "threshold": map[string]any{"amount": 5000, "currency": "USD"}, "channels": []string{"fax"}}, "channels"},
		{"duplicate channel", map[string]any{"enabled": true, "threshold": map[string]any{"amount": 5000, "currency": "USD"}, "channels": []string{"email", "email"}}, "channels"},
		{"enabled without channels", map[string]any{"enabled": true, "threshold": map[string]any{"amount": 5000, "currency": "USD"}, "channels": []string{}}, "channels"},
		{"negative threshold", map[string]any{"enabled": true, "threshold": map[string]any{"amount": -1, "currency": "USD"}, "channels": []string{"email"}}, "threshold.amount"},
		{"unknown currency", map[string]any{"enabled": true, "threshold": map[string]any{"amount": 5000, "currency": "XYZ"}, "channels": []string{"email"}}, "threshold.currency"},
		{"lower-case currency", map[string]any{"enabled": true, "threshold": map[string]any{"amount": 5000, "currency": "usd"}, "channels": []string{"email"}}, "threshold.currency"},
	}
	for _, c := range cases {
		t.Run(c.name+" is refused", func(t *testing.T) {
			e := e.For(t)
			res := e.Do(apptest.Req{Method: "PUT", Path: "/v1/me/billing-alert", Token: u.Token, Body: c.body})
			apptest.WantFieldError(t, res, c.field)
		})
	}
	t.Run("fractional amount is refused", func(t *testing.T) {
		e := e.For(t)
		res := e.Do(apptest.Req{Method: "PUT", Path: "/v1/me/billing-alert", Token: u.Token,
			Body: `{"enabled":true,"threshold":{"amount":50.5,"currency":"USD"},"channels":["email"]}`})
		if res.Status != http.StatusBadRequest {
			t.Errorf("got %d %s, want 400", res.Status, res.Body)
		}
	})
	t.Run("round trip", func(t *testing.T) {
		e := e.For(t)
		body := map[string]any{"enabled": true, "threshold": map[string]any{"amount": 2500, "currency": "EUR"}, "channels": []string{"email"}}
		e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: "/v1/me/billing-alert", Token: u.Token, Body: body})
		got := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/billing-alert", Token: u.Token})
		want := `{"enabled":true,"threshold":{"amount":2500,"currency":"EUR"},"channels":["email"]}`
		if strings.TrimSpace(string(got.Body)) != want {
			t.Errorf("got %s, want %s", got.Body, want)
		}
	})
	t.Run("unauthenticated", func(t *testing.T) {
		e := e.For(t)
		if res := e.Do(apptest.Req{Method: "GET", Path: "/v1/me/billing-alert"}); res.Status != http.StatusUnauthorized {
			t.Errorf("got %d", res.Status)
		}
	})
}
