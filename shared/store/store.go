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

	"github.com/example/myprofile/shared/account"
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

// Key is the primary key of an item.
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

// Marshal turns v into an item and adds the keys.
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

// Unmarshal reads an item into v.
func Unmarshal(it Item, v any) error {
	if err := attributevalue.UnmarshalMap(it, v); err != nil {
		return fmt.Errorf("unmarshal item: %w", err)
	}
	return nil
}

// IsConditionFailed reports whether err is a failed condition on a single
// item write.
func IsConditionFailed(err error) bool {
	var ccf *ddbtypes.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// Get reads one item with a strongly consistent read and decodes it into v;
// account.ErrNotFound if there is none. what names the item in errors.
func (s *Store) Get(ctx context.Context, key Item, v any, what string) error {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("get %s: %w", what, err)
	}
	if out.Item == nil {
		return account.ErrNotFound
	}
	return Unmarshal(out.Item, v)
}

// ConditionFailed reports whether err is a failed condition and returns the
// item as it stood then (nil when there was none). The write must ask for
// it with ReturnValuesOnConditionCheckFailure ALL_OLD.
func ConditionFailed(err error) (old Item, failed bool) {
	var ccf *ddbtypes.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return nil, false
	}
	return ccf.Item, true
}

// WriteError is the error of a conditional write that asked for ALL_OLD on
// failure: account.ErrNotFound when the item was missing, whenPresent when
// it was there and failed the condition, any other error wrapped as
// "what: err", and nil for nil.
func WriteError(err, whenPresent error, what string) error {
	if old, failed := ConditionFailed(err); failed {
		if old == nil {
			return account.ErrNotFound
		}
		return whenPresent
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// CancelReasons returns the per-item cancellation codes of a cancelled
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

// QueryAll runs a query to the end, page by page.
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
