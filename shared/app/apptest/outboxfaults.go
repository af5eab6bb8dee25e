package apptest

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/eventswire"
	"github.com/example/myprofile/shared/store"
)

// OutboxFaults is a DynamoDB client that refuses every PutItem on the
// events outbox (an event written after its change's transaction would be
// lost) and, while FailTransact is set, every TransactWriteItems: the tests
// that an event is recorded if and only if its change commits.
type OutboxFaults struct {
	store.DB
	FailTransact atomic.Bool
}

// PutItem refuses items of the events outbox.
func (f *OutboxFaults) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if pk, ok := in.Item[store.AttrPK].(*ddbtypes.AttributeValueMemberS); ok && pk.Value == store.PKOutbox {
		return nil, errors.New("outbox put refused by the test")
	}
	return f.DB.PutItem(ctx, in, o...)
}

// TransactWriteItems refuses every transaction while FailTransact is set.
func (f *OutboxFaults) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if f.FailTransact.Load() {
		return nil, errors.New("transaction refused by the test")
	}
	return f.DB.TransactWriteItems(ctx, in, o...)
}

// NewWithEvents starts an environment whose EventBridge is a local
// recorder, returned with it. env sets the configuration (EVENT_BUS_NAME;
// EVENT_SOURCE "fail" makes the recorder refuse every event); wrapDB, when
// set, wraps the table's client.
func NewWithEvents(t *testing.T, env map[string]string, wrapDB func(store.DB) store.DB) (*Env, *localcloud.EventBridgeRecorder) {
	t.Helper()
	rec := &localcloud.EventBridgeRecorder{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	e := New(t, &Options{
		Env:    env,
		WrapDB: wrapDB,
		Configure: func(d *app.Deps) {
			d.SetClient(eventswire.EventBridge, eventbridge.NewFromConfig(testenv.Config(t), func(o *eventbridge.Options) {
				o.BaseEndpoint = aws.String(srv.URL)
			}))
		},
	})
	return e, rec
}

// NewRefusedEvents starts an environment whose table is wrapped in
// OutboxFaults and whose EventBridge, on the bus named bus, refuses every
// event: what a change leaves in the outbox is then all there is of its
// event. The recorder is returned to check that nothing was accepted.
func NewRefusedEvents(t *testing.T, bus string) (*Env, *OutboxFaults, *localcloud.EventBridgeRecorder) {
	t.Helper()
	var faults *OutboxFaults
	e, rec := NewWithEvents(t, map[string]string{"EVENT_BUS_NAME": bus, "EVENT_SOURCE": "fail"}, func(db store.DB) store.DB {
		faults = &OutboxFaults{DB: db}
		return faults
	})
	return e, faults, rec
}

// Outbox counts the events the outbox of table holds by detail type, read
// past the faults.
func (f *OutboxFaults) Outbox(t *testing.T, table string) map[string]int {
	t.Helper()
	out, err := f.DB.Query(context.Background(), &dynamodb.QueryInput{
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
