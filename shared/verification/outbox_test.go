package verification_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/app/eventswire"
	"github.com/example/myprofile/shared/store"
)

// A confirmed email or phone change records its event in the confirming
// transaction: with every separate outbox write refused and the bus
// refusing every event, the event is still in the outbox for the sweep; a
// confirmation whose transaction fails records none.
func TestChangeEventIsWrittenWithTheChange(t *testing.T) {
	rec := &localcloud.EventBridgeRecorder{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	var faults *apptest.OutboxFaults
	var raw store.DB
	e := apptest.New(t, &apptest.Options{
		Env: map[string]string{"EVENT_BUS_NAME": "default", "EVENT_SOURCE": "fail"}, // the recorder refuses source "fail"
		WrapDB: func(db store.DB) store.DB {
			raw = db
			faults = &apptest.OutboxFaults{DB: db}
			return faults
		},
		Configure: func(d *app.Deps) {
			d.SetClient(eventswire.EventBridge, eventbridge.NewFromConfig(testenv.Config(t), func(o *eventbridge.Options) {
				o.BaseEndpoint = aws.String(srv.URL)
			}))
		},
	})
	outbox := func() map[string]int {
		t.Helper()
		out, err := raw.Query(context.Background(), &dynamodb.QueryInput{
			TableName:                 aws.String(e.Table),
			KeyConditionExpression:    aws.String("pk = :pk"),
			ExpressionAttributeValues: store.Item{":pk": store.S(store.PKOutbox)},
			ConsistentRead:            aws.Bool(true),
		})
		if err != nil {
			t.Fatalf("query outbox: %v", err)
		}
		types := map[string]int{}
		for _, it := range out.Items {
			if dt, ok := it["detailType"].(*ddbtypes.AttributeValueMemberS); ok {
				types[dt.Value]++
			}
		}
		return types
	}
	u := e.SignUp(nil)
	newCode, currentCode := requestEmailChange(t, e, u, testenv.Email(t))
	faults.FailTransact.Store(true)
	if res := confirmEmail(e, u, newCode, currentCode); res.Status < 500 {
		t.Fatalf("confirm with the transaction failing: %d %s, want 5xx", res.Status, res.Body)
	}
	faults.FailTransact.Store(false)
	if got := outbox(); len(got) != 0 {
		t.Fatalf("outbox after a failed confirmation: %v, want empty", got)
	}
	if res := confirmEmail(e, u, newCode, currentCode); res.Status != http.StatusOK {
		t.Fatalf("confirm: %d %s", res.Status, res.Body)
	}
	if got := outbox(); got["User Email Changed"] != 1 || len(got) != 1 {
		t.Fatalf("outbox after the confirmation: %v, want one User Email Changed", got)
	}

	e164, written := phoneNumber(t)
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token,
		Body: map[string]any{"phone": written, "password": u.Password}})
	code := mustCode(t, e.SMS(e164)[0].Message)
	confirm := apptest.Req{Method: "POST", Path: "/v1/me/phone-change/confirm", Token: u.Token, Body: map[string]any{"code": code}}
	faults.FailTransact.Store(true)
	if res := e.Do(confirm); res.Status < 500 {
		t.Fatalf("phone confirm with the transaction failing: %d %s, want 5xx", res.Status, res.Body)
	}
	faults.FailTransact.Store(false)
	if got := outbox(); got["User Phone Changed"] != 0 {
		t.Fatalf("outbox after a failed phone confirmation: %v", got)
	}
	e.Must(http.StatusOK, confirm)
	if got := outbox(); got["User Phone Changed"] != 1 || got["User Email Changed"] != 1 {
		t.Fatalf("outbox after the phone confirmation: %v, want one of each", got)
	}
	if n := len(rec.Events()); n != 0 {
		t.Fatalf("recorded %d events from a refused source", n)
	}
}
