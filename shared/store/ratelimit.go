package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/ratelimit"
)

var _ ratelimit.Store = (*Store)(nil)

func rateKey(k string, start time.Time) Item {
	return Key(PrefixRate+k, "W#"+strconv.FormatInt(start.Unix(), 10))
}

// HitCount reads a counter.
func (s *Store) HitCount(ctx context.Context, k string, start time.Time) (int, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: rateKey(k, start), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return 0, fmt.Errorf("get counter: %w", err)
	}
	if n, ok := out.Item["hits"].(*ddbtypes.AttributeValueMemberN); ok {
		v, err := strconv.Atoi(n.Value)
		if err != nil {
			return 0, fmt.Errorf("counter value: %w", err)
		}
		return v, nil
	}
	return 0, nil
}

// AddHit increments a counter atomically.
func (s *Store) AddHit(ctx context.Context, k string, start, expires time.Time) (int, error) {
	out, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       rateKey(k, start),
		UpdateExpression:          aws.String("ADD hits :one SET #ttl = :ttl"),
		ExpressionAttributeNames:  map[string]string{"#ttl": AttrTTL},
		ExpressionAttributeValues: Item{":one": N(1), ":ttl": TTL(expires)},
		ReturnValues:              ddbtypes.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, fmt.Errorf("add hit: %w", err)
	}
	n, _ := out.Attributes["hits"].(*ddbtypes.AttributeValueMemberN)
	if n == nil {
		return 0, fmt.Errorf("add hit: no count returned")
	}
	return strconv.Atoi(n.Value)
}

// RemoveHit decrements a counter atomically, never below 0: the update is
// conditioned on the counter existing and being positive, and a failed
// condition is not an error.
func (s *Store) RemoveHit(ctx context.Context, k string, start time.Time) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       rateKey(k, start),
		UpdateExpression:          aws.String("ADD hits :minus"),
		ConditionExpression:       aws.String("hits > :zero"),
		ExpressionAttributeValues: Item{":minus": N(-1), ":zero": N(0)},
	})
	if err != nil && !IsConditionFailed(err) {
		return fmt.Errorf("remove hit: %w", err)
	}
	return nil
}

var _ ratelimit.FairStore = (*Store)(nil)

// TakeHit counts one attempt if fewer than max are taken: one UpdateItem
// conditioned on the count, which returns the stored item when the
// condition fails, so a refusal costs no second read and changes nothing.
func (s *Store) TakeHit(ctx context.Context, k string, start, expires time.Time, max int) (bool, int, error) {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           &s.Table,
		Key:                                 rateKey(k, start),
		UpdateExpression:                    aws.String("ADD hits :one SET #ttl = :ttl"),
		ConditionExpression:                 aws.String("attribute_not_exists(hits) OR hits < :max"),
		ExpressionAttributeNames:            map[string]string{"#ttl": AttrTTL},
		ExpressionAttributeValues:           Item{":one": N(1), ":ttl": TTL(expires), ":max": N(int64(max))},
		ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return true, 0, nil
	}
	old, failed := ConditionFailed(err)
	if !failed {
		return false, 0, fmt.Errorf("take hit: %w", err)
	}
	fails := 0
	if n, ok := old["fails"].(*ddbtypes.AttributeValueMemberN); ok {
		if fails, err = strconv.Atoi(n.Value); err != nil {
			return false, 0, fmt.Errorf("take hit: fails value: %w", err)
		}
	}
	return false, fails, nil
}

// AddFail counts a failure of an attempt TakeHit took (the attempt stays
// in hits).
func (s *Store) AddFail(ctx context.Context, k string, start, expires time.Time) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       rateKey(k, start),
		UpdateExpression:          aws.String("ADD fails :one SET #ttl = :ttl"),
		ExpressionAttributeNames:  map[string]string{"#ttl": AttrTTL},
		ExpressionAttributeValues: Item{":one": N(1), ":ttl": TTL(expires)},
	})
	if err != nil {
		return fmt.Errorf("add fail: %w", err)
	}
	return nil
}
