package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/catalog"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// startBus serves the local EventBridge routed to e's functions and returns
// an SDK client pointed at it.
func startBus(t *testing.T, e *apptest.Env) (*eventbridge.Client, *localcloud.EventRouter) {
	t.Helper()
	svc, bus, err := localcloud.StartEventRouter(t.Context(), "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Stop)
	rules, err := eventRules(e.Deps, catalog.All())
	if err != nil {
		t.Fatal(err)
	}
	bus.SetRules(rules)
	client := eventbridge.NewFromConfig(testenv.Config(t), func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(svc.Endpoint) })
	return client, bus
}

func TestAnEventThroughTheLocalEventBridgeChangesWhatGETAnswers(t *testing.T) {
	e := apptest.New(t, nil)
	client, bus := startBus(t, e)
	owner := e.SignUp(nil)
	e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: "/v1/me/billing-alert", Token: owner.Token,
		Body: map[string]any{"enabled": true, "threshold": map[string]any{"amount": 5000, "currency": "USD"}, "channels": []string{"email"}}})
	if got := e.Emails(owner.Email); len(got) != 0 {
		t.Fatalf("mails before the event: %d", len(got))
	}

	detail, _ := json.Marshal(map[string]any{"organizationId": owner.OrgID,
		"balance": map[string]any{"amount": 4000, "currency": "USD"}, "computedAt": time.Now().UTC()})
	out, err := client.PutEvents(t.Context(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Source: aws.String(catalog.BillingSource), DetailType: aws.String("Balance Changed"), Detail: aws.String(string(detail)),
	}}})
	if err != nil {
		t.Fatalf("PutEvents: %v", err)
	}
	if out.FailedEntryCount != 0 || len(out.Entries) != 1 || aws.ToString(out.Entries[0].EventId) == "" {
		t.Fatalf("PutEvents answer: %+v", out)
	}

	// GET on the mail view now lists the low-credit alert.
	mails := e.Emails(owner.Email)
	if len(mails) != 1 || !strings.Contains(strings.ToLower(mails[0].Subject+mails[0].Text), "40") {
		t.Errorf("after the event: got %+v, want one low-credit alert", mails)
	}
	// GET /events on the bus tells where the event went.
	got := bus.Events()
	if len(got) != 1 || len(got[0].Deliveries) != 1 || got[0].Deliveries[0].Function != "balances" || !got[0].Deliveries[0].OK {
		t.Errorf("bus record: %+v, want one delivery to balances", got)
	}
}

func TestLocalEventBridgeAnswersLikeEventBridge(t *testing.T) {
	e := apptest.New(t, nil)
	client, bus := startBus(t, e)
	tests := []struct {
		name      string
		entry     ebtypes.PutEventsRequestEntry
		wantError string
		wantFn    []string
	}{
		{"activity event reaches activities", ebtypes.PutEventsRequestEntry{Source: aws.String(catalog.ActivitySource), DetailType: aws.String("Activity Cancelled"),
			Detail: aws.String(`{"activityId":"a1","userId":"u1","version":1,"updatedAt":"2026-03-08T18:00:00Z"}`)}, "", []string{"activities"}},
		{"scheduled event reaches its function only", ebtypes.PutEventsRequestEntry{Source: aws.String("aws.events"), DetailType: aws.String("Scheduled Event"),
			Detail: aws.String(`{}`), Resources: []string{"arn:aws:events:us-east-1:000000000000:rule/low-credit"}}, "", []string{"low-credit"}},
		{"unrouted event is accepted", ebtypes.PutEventsRequestEntry{Source: aws.String("other"), DetailType: aws.String("X"), Detail: aws.String(`{}`)}, "", nil},
		{"malformed detail", ebtypes.PutEventsRequestEntry{Source: aws.String("s"), DetailType: aws.String("X"), Detail: aws.String(`[1`)}, "MalformedDetail", nil},
		{"missing source", ebtypes.PutEventsRequestEntry{DetailType: aws.String("X"), Detail: aws.String(`{}`)}, "InvalidArgument", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(bus.Events())
			out, err := client.PutEvents(t.Context(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{tt.entry}})
			if err != nil {
				t.Fatalf("PutEvents: %v", err)
			}
			if got := aws.ToString(out.Entries[0].ErrorCode); got != tt.wantError || (tt.wantError != "") != (out.FailedEntryCount == 1) {
				t.Fatalf("error code %q (failed %d), want %q", got, out.FailedEntryCount, tt.wantError)
			}
			if tt.wantError != "" {
				return
			}
			evs := bus.Events()
			if len(evs) != before+1 {
				t.Fatalf("recorded %d events, want %d", len(evs), before+1)
			}
			var fns []string
			for _, d := range evs[len(evs)-1].Deliveries {
				if !d.OK {
					t.Errorf("delivery to %s failed: %s", d.Function, d.Error)
				}
				fns = append(fns, d.Function)
			}
			if strings.Join(fns, ",") != strings.Join(tt.wantFn, ",") {
				t.Errorf("delivered to %v, want %v", fns, tt.wantFn)
			}
		})
	}
	t.Run("another action is refused", func(t *testing.T) {
		_, err := client.ListRules(context.Background(), &eventbridge.ListRulesInput{})
		if err == nil || !strings.Contains(err.Error(), "UnknownOperation") {
			t.Errorf("ListRules: got %v, want UnknownOperationException", err)
		}
	})
}
