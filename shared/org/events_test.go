package org_test

import (
	"sync/atomic"

	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	awsevents "github.com/aws/aws-lambda-go/events"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/app/eventswire"
	"github.com/example/myprofile/shared/events"
	"github.com/example/myprofile/shared/store"
)

// withEvents is an API whose org routes publish to a recording EventBridge
// endpoint, through the real SDK client.
func withEvents(t *testing.T) (*apptest.Env, *localcloud.EventBridgeRecorder) {
	t.Helper()
	e, rec := apptest.NewWithEvents(t, map[string]string{"EVENT_BUS_NAME": "platform"}, nil)
	return e, rec
}

// published counts the recorded events of a type about userId.
func published(t *testing.T, rec *localcloud.EventBridgeRecorder, detailType, userID string) int {
	t.Helper()
	n := 0
	for _, ev := range rec.Events() {
		if ev.DetailType != detailType {
			continue
		}
		var d map[string]any
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			t.Fatalf("detail of %s: %v", ev.DetailType, err)
		}
		if ev.Source != "myprofile" || ev.EventBusName != "platform" || d["occurredAt"] == nil || d["eventId"] == nil || d["requestId"] == nil {
			t.Errorf("event %s lacks source, bus, occurredAt, eventId or requestId: %+v %s", detailType, ev, ev.Detail)
		}
		if d["userId"] == userID {
			n++
		}
	}
	return n
}

func TestMembershipEvents(t *testing.T) {
	e, rec := withEvents(t)
	owner := e.SignUp(map[string]any{"orgName": "Acme"})
	member := invite(t, e, owner.Token, "user")
	if n := published(t, rec, "Member Added", member.ID); n != 1 {
		t.Fatalf("Member Added events = %d, want 1", n)
	}
	e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: "/v1/users/" + member.ID + "/role", Token: owner.Token, Body: map[string]any{"role": "admin"}})
	// The same role again changes nothing and publishes nothing.
	e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: "/v1/users/" + member.ID + "/role", Token: owner.Token, Body: map[string]any{"role": "admin"}})
	if n := published(t, rec, "Member Role Changed", member.ID); n != 1 {
		t.Fatalf("Member Role Changed events = %d, want 1", n)
	}
	// Refused: the last owner's demotion, removal and leaving.
	e.Do(apptest.Req{Method: "PUT", Path: "/v1/users/" + owner.ID + "/role", Token: owner.Token, Body: map[string]any{"role": "user"}})
	e.Do(apptest.Req{Method: "POST", Path: "/v1/organizations/" + owner.OrgID + "/leave", Token: owner.Token})
	e.Do(apptest.Req{Method: "DELETE", Path: "/v1/organizations/" + owner.OrgID + "/members/" + owner.ID, Token: member.Token})
	e.Do(apptest.Req{Method: "DELETE", Path: "/v1/me", Token: owner.Token, Body: map[string]any{"password": owner.Password, "confirm": "DELETE"}})
	for _, typ := range []string{"Member Role Changed", "Member Removed", "User Deleted", "Organization Deleted"} {
		if n := published(t, rec, typ, owner.ID); n != 0 {
			t.Fatalf("%d %s events about the owner after refused requests, want 0", n, typ)
		}
	}
	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/organizations/" + owner.OrgID + "/members/" + member.ID, Token: owner.Token})
	if n := published(t, rec, "Member Removed", member.ID); n != 1 {
		t.Fatalf("Member Removed events = %d, want 1", n)
	}
	// Alone again, the owner deletes the account: their organization goes too.
	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me", Token: owner.Token, Body: map[string]any{"password": owner.Password, "confirm": "DELETE"}})
	if n := published(t, rec, "User Deleted", owner.ID); n != 1 {
		t.Fatalf("User Deleted events = %d, want 1", n)
	}
	orgDeleted := 0
	for _, ev := range rec.Events() {
		var d map[string]any
		_ = json.Unmarshal(ev.Detail, &d)
		if ev.DetailType == "Organization Deleted" && d["organizationId"] == owner.OrgID {
			orgDeleted++
		}
	}
	if orgDeleted != 1 {
		t.Fatalf("Organization Deleted events = %d, want 1", orgDeleted)
	}
	// Every event was published, so the outbox is empty.
	if left := itemsWith(t, e, store.PKOutbox); len(left) != 0 {
		t.Fatalf("outbox items left: %v", left)
	}
}

// A bus that refuses events never fails the request; the events stay in
// the outbox for the sweep, which publishes them once the bus takes them.
func TestFailedPublishKeepsTheEventForTheSweep(t *testing.T) {
	e, rec := apptest.NewWithEvents(t, map[string]string{"EVENT_BUS_NAME": "platform", "EVENT_SOURCE": "fail"}, nil)
	owner := e.SignUp(nil)
	member := invite(t, e, owner.Token, "user")
	e.Must(http.StatusNoContent, apptest.Req{Method: "POST", Path: "/v1/organizations/" + owner.OrgID + "/leave", Token: member.Token})
	if n := len(rec.Events()); n != 0 {
		t.Fatalf("recorded %d events from a refused source", n)
	}
	if left := itemsWith(t, e, store.PKOutbox); len(left) != 2 {
		t.Fatalf("outbox items = %v, want Member Added and Member Removed", left)
	}
	em := eventswire.Emitter(e.Deps.Deps)
	em.Bus = fixedSource(em.Bus, "myprofile")
	pub, failed, err := em.Sweep(context.Background(), 100)
	if err != nil || pub != 2 || failed != 0 {
		t.Fatalf("sweep: published %d, failed %d, err %v; want 2, 0, nil", pub, failed, err)
	}
	if n := published(t, rec, "Member Removed", member.ID); n != 1 {
		t.Fatalf("Member Removed after the sweep = %d, want 1", n)
	}
	if left := itemsWith(t, e, store.PKOutbox); len(left) != 0 {
		t.Fatalf("outbox items after the sweep: %v", left)
	}
}

func fixedSource(p events.Publisher, source string) events.Publisher {
	b := p.(events.Bus)
	b.Source = source
	return b
}

// The scheduled events-outbox function publishes what a refused publish
// left in the outbox, and deletes it: run through the function itself, as
// EventBridge's schedule runs it.
func TestOutboxFunctionPublishesWhatWasLeft(t *testing.T) {
	rec := &localcloud.EventBridgeRecorder{}
	var refuse atomic.Bool
	refuse.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuse.Load() {
			// Not retryable: the SDK gives up at once, as on a missing grant.
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"AccessDeniedException","message":"refused by the test"}`))
			return
		}
		rec.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e := apptest.New(t, &apptest.Options{
		Env: map[string]string{"EVENT_BUS_NAME": "platform"},
		Configure: func(d *app.Deps) {
			d.SetClient(eventswire.EventBridge, eventbridge.NewFromConfig(testenv.Config(t), func(o *eventbridge.Options) {
				o.BaseEndpoint = aws.String(srv.URL)
			}))
		},
	})
	owner := e.SignUp(nil)
	member := invite(t, e, owner.Token, "user")
	e.Must(http.StatusNoContent, apptest.Req{Method: "POST", Path: "/v1/organizations/" + owner.OrgID + "/leave", Token: member.Token})
	if left := itemsWith(t, e, store.PKOutbox); len(left) != 2 {
		t.Fatalf("outbox items = %v, want Member Added and Member Removed", left)
	}
	refuse.Store(false)
	job, err := e.Deps.Job("events-outbox")
	if err != nil {
		t.Fatal(err)
	}
	if err := job(context.Background(), awsevents.EventBridgeEvent{}); err != nil {
		t.Fatalf("events-outbox: %v", err)
	}
	if n := published(t, rec, "Member Removed", member.ID); n != 1 {
		t.Fatalf("Member Removed after the function ran = %d, want 1", n)
	}
	if left := itemsWith(t, e, store.PKOutbox); len(left) != 0 {
		t.Fatalf("outbox items after the function ran: %v", left)
	}
}
