package apptest

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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
