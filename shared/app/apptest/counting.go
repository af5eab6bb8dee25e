package apptest

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/myprofile/shared/store"
)

// CountingDB counts the DynamoDB requests made through it, and the
// sequential round trips: a request that starts while none is in flight
// starts a new round trip; requests made together share one.
type CountingDB struct {
	store.DB
	// Latency, when set, delays every request, so requests a caller makes
	// together surely overlap (as they do against DynamoDB in AWS) and
	// Trips does not depend on how fast the local emulator answers.
	Latency time.Duration
	n       atomic.Int64

	mu       sync.Mutex
	inflight int
	trips    int64
}

// Count returns the requests so far.
func (c *CountingDB) Count() int64 { return c.n.Load() }

// Trips returns the sequential round trips so far.
func (c *CountingDB) Trips() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.trips
}

// Reset sets the counts to zero.
func (c *CountingDB) Reset() {
	c.n.Store(0)
	c.mu.Lock()
	c.trips = 0
	c.mu.Unlock()
}

// begin counts a request; the caller defers the function it returns.
func (c *CountingDB) begin() func() {
	c.n.Add(1)
	c.mu.Lock()
	if c.inflight == 0 {
		c.trips++
	}
	c.inflight++
	c.mu.Unlock()
	if c.Latency > 0 {
		time.Sleep(c.Latency)
	}
	return func() {
		c.mu.Lock()
		c.inflight--
		c.mu.Unlock()
	}
}

func (c *CountingDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	defer c.begin()()
	return c.DB.GetItem(ctx, in, o...)
}

func (c *CountingDB) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	defer c.begin()()
	return c.DB.BatchGetItem(ctx, in, o...)
}

func (c *CountingDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	defer c.begin()()
	return c.DB.PutItem(ctx, in, o...)
}

func (c *CountingDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	defer c.begin()()
	return c.DB.UpdateItem(ctx, in, o...)
}

func (c *CountingDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	defer c.begin()()
	return c.DB.DeleteItem(ctx, in, o...)
}

func (c *CountingDB) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	defer c.begin()()
	return c.DB.Query(ctx, in, o...)
}

func (c *CountingDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	defer c.begin()()
	return c.DB.TransactWriteItems(ctx, in, o...)
}

func (c *CountingDB) TransactGetItems(ctx context.Context, in *dynamodb.TransactGetItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactGetItemsOutput, error) {
	defer c.begin()()
	return c.DB.TransactGetItems(ctx, in, o...)
}

func (c *CountingDB) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	defer c.begin()()
	return c.DB.BatchWriteItem(ctx, in, o...)
}
