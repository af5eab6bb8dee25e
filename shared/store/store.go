// Package store is the DynamoDB implementation of the capabilities' storage
// interfaces. It is one of the two packages (with notify) that talk to AWS.
// keys.go lists every key shape and access pattern.
package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DB is the part of the DynamoDB client the store uses (the real
// *dynamodb.Client satisfies it; tests use it to count round trips).
type DB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	TransactGetItems(ctx context.Context, in *dynamodb.TransactGetItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactGetItemsOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

var _ DB = (*dynamodb.Client)(nil)

// Store is the table and the client.
type Store struct {
	DB    DB
	Table string
}

// New returns a store on a table.
func New(db DB, table string) *Store { return &Store{DB: db, Table: table} }

// Item is one raw DynamoDB item.
type Item = map[string]ddbtypes.AttributeValue

func Key(pk, sk string) Item {
	return Item{AttrPK: S(pk), AttrSK: S(sk)}
}

// S is a string attribute value.
func S(s string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: s} }

// N is a number attribute value.
func N(n int64) ddbtypes.AttributeValue {
	return &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// TTL is the epoch-seconds TTL attribute value of an instant.
func TTL(t time.Time) ddbtypes.AttributeValue { return N(t.Unix()) }

// marshal turns v into an item and adds the keys.
func Marshal(pk, sk string, v any) (Item, error) {
	it, err := attributevalue.MarshalMapWithOptions(v, func(o *attributevalue.EncoderOptions) {
		o.EncodeTime = func(t time.Time) (ddbtypes.AttributeValue, error) {
			return S(t.UTC().Format(time.RFC3339Nano)), nil
		}
	})
	if err != nil {
		return nil, fmt.Errorf("marshal %s/%s: %w", pk, sk, err)
	}
	it[AttrPK] = S(pk)
	it[AttrSK] = S(sk)
	return it, nil
}

func Unmarshal(it Item, v any) error {
	if err := attributevalue.UnmarshalMap(it, v); err != nil {
		return fmt.Errorf("unmarshal item: %w", err)
	}
	return nil
}

// isConditionFailed reports whether err is a failed condition on a single
// item write.
func IsConditionFailed(err error) bool {
	var ccf *ddbtypes.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// cancelReasons returns the per-item cancellation codes of a cancelled
// transaction ("ConditionalCheckFailed", "None", ...), or nil.
func CancelReasons(err error) []string {
	var tce *ddbtypes.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil
	}
	out := make([]string, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		out[i] = aws.ToString(r.Code)
	}
	return out
}

// queryAll runs a query to the end, page by page.
func (s *Store) QueryAll(ctx context.Context, in *dynamodb.QueryInput) ([]Item, error) {
	var out []Item
	p := dynamodb.NewQueryPaginator(s.DB, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", aws.ToString(in.KeyConditionExpression), err)
		}
		out = append(out, page.Items...)
	}
	return out, nil
}
