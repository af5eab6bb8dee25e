package org_test

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

// outboxTypes lists the detail types of the events the outbox holds.
func outboxTypes(t *testing.T, db store.DB, table string) map[string]int {
	t.Helper()
	out, err := db.Query(context.Background(), &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: store.Item{":pk": store.S(store.PKOutbox)},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("query outbox: %v", err)
	}
	types := map[string]int{}
	for _, it := range out.Items {
		dt, _ := it["detailType"].(*ddbtypes.AttributeValueMemberS)
		if dt == nil {
			t.Fatalf("outbox item without detailType: %v", it)
		}
		types[dt.Value]++
	}
	return types
}

// Each membership change records its event in its own transaction: with
// the bus refusing every event and every separate outbox write refused,
// a committed change still has its event in the outbox (for the sweep),
// and a change whose transaction fails has none.
func TestOutboxIsWrittenWithTheChange(t *testing.T) {
	rec := &localcloud.EventBridgeRecorder{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	var faults *apptest.OutboxFaults
	var raw store.DB
	e := apptest.New(t, &apptest.Options{
		Env: map[string]string{"EVENT_BUS_NAME": "platform", "EVENT_SOURCE": "fail"}, // the recorder refuses source "fail"
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
	want := map[string]int{}
	check := func(step string) {
		t.Helper()
		got := outboxTypes(t, raw, e.Table)
		for typ, n := range want {
			if got[typ] != n {
				t.Fatalf("after %s: outbox %v, want %v", step, got, want)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("after %s: outbox %v, want %v", step, got, want)
		}
	}
	owner := e.SignUp(map[string]any{"orgName": "Acme"})
	admin := invite(t, e, owner.Token, "user")
	user := invite(t, e, owner.Token, "user")
	want["Member Added"] = 2
	check("two accepted invitations")

	roleReq := apptest.Req{Method: "PUT", Path: "/v1/users/" + admin.ID + "/role", Token: owner.Token, Body: map[string]any{"role": "admin"}}
	removeReq := apptest.Req{Method: "DELETE", Path: "/v1/organizations/" + owner.OrgID + "/members/" + user.ID, Token: admin.Token}
	leaveReq := apptest.Req{Method: "POST", Path: "/v1/organizations/" + owner.OrgID + "/leave", Token: admin.Token}
	deleteReq := apptest.Req{Method: "DELETE", Path: "/v1/me", Token: owner.Token, Body: map[string]any{"password": owner.Password, "confirm": "DELETE"}}

	faults.FailTransact.Store(true)
	for _, r := range []apptest.Req{roleReq} {
		if res := e.Do(r); res.Status < 500 {
			t.Fatalf("%s %s with transactions failing: %d, want 5xx", r.Method, r.Path, res.Status)
		}
	}
	faults.FailTransact.Store(false)
	check("a role change whose transaction failed")

	e.Must(http.StatusOK, roleReq)
	want["Member Role Changed"] = 1
	check("a role change")

	faults.FailTransact.Store(true)
	for _, r := range []apptest.Req{removeReq, leaveReq} {
		if res := e.Do(r); res.Status < 500 {
			t.Fatalf("%s %s with transactions failing: %d, want 5xx", r.Method, r.Path, res.Status)
		}
	}
	faults.FailTransact.Store(false)
	check("a removal and a departure whose transactions failed")

	e.Must(http.StatusNoContent, removeReq)
	e.Must(http.StatusNoContent, leaveReq)
	want["Member Removed"] = 2
	check("a removal and a departure")

	faults.FailTransact.Store(true)
	if res := e.Do(deleteReq); res.Status < 500 {
		t.Fatalf("account deletion with transactions failing: %d, want 5xx", res.Status)
	}
	faults.FailTransact.Store(false)
	check("an account deletion whose transaction failed")

	e.Must(http.StatusNoContent, deleteReq)
	want["Organization Deleted"] = 1
	want["User Deleted"] = 1
	check("the owner's account deletion")
	if n := len(rec.Events()); n != 0 {
		t.Fatalf("recorded %d events from a refused source", n)
	}
}
