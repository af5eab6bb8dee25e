package dailysummary_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/catalog"
	"github.com/example/myprofile/shared/dailysummary"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/dailysummarydb"
)

func TestParseActivity(t *testing.T) {
	ok := `{"activityId":"a1","userId":"u1","kind":"task","title":"T","startAt":"2026-03-07T10:00:00Z","version":1,"updatedAt":"2026-03-06T10:00:00Z"}`
	tests := []struct {
		name       string
		detailType string
		detail     string
		wantErr    bool
	}{
		{"valid scheduled task", dailysummary.DetailScheduled, ok, false},
		{"valid update", dailysummary.DetailUpdated, ok, false},
		{"cancellation needs only ids and version", dailysummary.DetailCancelled, `{"activityId":"a1","userId":"u1","version":2,"updatedAt":"2026-03-06T10:00:00Z"}`, false},
		{"unknown detail type", "Activity Exploded", ok, true},
		{"not json", dailysummary.DetailScheduled, `nope`, true},
		{"missing version", dailysummary.DetailScheduled, `{"activityId":"a1","userId":"u1","kind":"task","title":"T","startAt":"2026-03-07T10:00:00Z","updatedAt":"2026-03-06T10:00:00Z"}`, true},
		{"unknown kind", dailysummary.DetailScheduled, `{"activityId":"a1","userId":"u1","kind":"party","title":"T","startAt":"2026-03-07T10:00:00Z","version":1,"updatedAt":"2026-03-06T10:00:00Z"}`, true},
		{"key separator in id", dailysummary.DetailScheduled, `{"activityId":"a#1","userId":"u1","kind":"task","title":"T","startAt":"2026-03-07T10:00:00Z","version":1,"updatedAt":"2026-03-06T10:00:00Z"}`, true},
		{"end before start", dailysummary.DetailScheduled, `{"activityId":"a1","userId":"u1","kind":"appointment","title":"T","startAt":"2026-03-07T10:00:00Z","endAt":"2026-03-07T09:00:00Z","version":1,"updatedAt":"2026-03-06T10:00:00Z"}`, true},
		{"empty title", dailysummary.DetailScheduled, `{"activityId":"a1","userId":"u1","kind":"task","title":" ","startAt":"2026-03-07T10:00:00Z","version":1,"updatedAt":"2026-03-06T10:00:00Z"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dailysummary.ParseActivity(tt.detailType, json.RawMessage(tt.detail))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, dailysummary.ErrBadEvent) {
				t.Errorf("err = %v, want ErrBadEvent", err)
			}
		})
	}
}

// The sample events in events/ are what the platform sends: they parse,
// match the catalog's rule, and applying them in any order (and twice)
// leaves the newest version.
func TestActivityEventsOrderSafe(t *testing.T) {
	fn, _ := catalog.Lookup("activities")
	load := func(name string) events.EventBridgeEvent {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
		if err != nil {
			t.Fatal(err)
		}
		// The samples carry placeholders that `make event` fills for the
		// running stack (infra/sample.Fill); here they are one fixed user
		// on 2026-03-09 (day0).
		b = []byte(strings.NewReplacer("{{user.id}}", "00000000-0000-0000-0000-000000000001",
			"{{today}}", "2026-03-09", "{{now}}", "2026-03-08T18:00:00.000Z").Replace(string(b)))
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if ev.Source != fn.EventSource {
			t.Fatalf("%s: source %q, catalog rule wants %q", name, ev.Source, fn.EventSource)
		}
		return ev
	}
	sched, upd, canc, task := load("activity-scheduled.json"), load("activity-updated.json"), load("activity-cancelled.json"), load("activity-task.json")
	var d dailysummary.ActivityDetail
	if err := json.Unmarshal(sched.Detail, &d); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	day0 := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)

	// fixture is one subtest's own table holding the sample events' user.
	type fixture struct {
		db    *dynamodb.Client
		table string
		h     *dailysummary.Activities
		apply func(...events.EventBridgeEvent)
		list  func() []dailysummary.Activity
	}
	fresh := func(t *testing.T) fixture {
		t.Helper()
		db, table := testenv.DynamoDB(t)
		st := dailysummarydb.New(store.New(db, table))
		h := &dailysummary.Activities{Store: st, Log: discardLog()}
		// Activities are kept only for users that exist.
		userItem, err := store.Marshal(store.UserPK(d.UserID), store.SKProfile, account.User{ID: d.UserID, Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: userItem}); err != nil {
			t.Fatal(err)
		}
		return fixture{db: db, table: table, h: h,
			apply: func(evs ...events.EventBridgeEvent) {
				t.Helper()
				for _, ev := range evs {
					if err := h.Handle(ctx, ev.DetailType, ev.Detail); err != nil {
						t.Fatalf("%s: %v", ev.DetailType, err)
					}
				}
			},
			list: func() []dailysummary.Activity {
				t.Helper()
				as, err := st.ActivitiesBetween(ctx, d.UserID, day0, day0.Add(24*time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				return as
			},
		}
	}

	t.Run("update after schedule, then a redelivered older schedule", func(t *testing.T) {
		f := fresh(t)
		f.apply(sched, upd, sched, task)
		as := f.list()
		if len(as) != 2 || as[0].Title != "Quarterly review with Acme (moved)" || as[0].Version != 2 || as[1].Kind != dailysummary.KindTask {
			t.Fatalf("activities = %+v, want the updated appointment then the task", as)
		}
	})
	t.Run("cancellation is a tombstone older events cannot revive", func(t *testing.T) {
		f := fresh(t)
		f.apply(sched, upd, task)
		if as := f.list(); len(as) != 2 {
			t.Fatalf("before the cancellation: activities = %+v, want the appointment and the task", as)
		}
		f.apply(canc, upd, sched, canc)
		as := f.list()
		if len(as) != 1 || as[0].Kind != dailysummary.KindTask {
			t.Fatalf("activities = %+v, want only the task", as)
		}
	})
	t.Run("an event for an unknown or deleted user writes nothing", func(t *testing.T) {
		f := fresh(t)
		ghost := "00000000-0000-4000-8000-00000000dead"
		detail := map[string]any{"activityId": "ghost-1", "userId": ghost, "kind": "task", "title": "Orphan",
			"startAt": "2026-03-09T10:00:00Z", "version": 1, "updatedAt": "2026-03-08T10:00:00Z"}
		raw, _ := json.Marshal(detail)
		if err := f.h.Handle(ctx, dailysummary.DetailScheduled, raw); err != nil {
			t.Fatalf("an unknown user's event must be dropped, not retried: %v", err)
		}
		out, err := f.db.Query(ctx, &dynamodb.QueryInput{TableName: &f.table,
			KeyConditionExpression:    aws.String("pk = :pk"),
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": store.S(store.UserPK(ghost))}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Items) != 0 {
			t.Errorf("%d items written for a user that does not exist", len(out.Items))
		}
	})
}
