package authdb

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/auth"
	"github.com/example/myprofile/shared/store"
)

// codeKey is the item of a pending sign-up (by email) or password reset
// (by user id).
func codeKey(ref auth.CodeRef) store.Item {
	if ref.Kind == auth.KindReset {
		return store.Key(store.UserPK(ref.Key), store.SKPasswordReset)
	}
	return store.Key(store.SignUpPK(ref.Key), store.SKSignUp)
}

// PutPendingSignUp stores a pending sign-up, replacing the address's
// earlier one (whose code then no longer works: its id is gone).
func (s *Store) PutPendingSignUp(ctx context.Context, p auth.PendingSignUp) error {
	return s.putCode(ctx, p.Ref(), p, p.ExpiresAt)
}

// GetPendingSignUp reads an address's pending sign-up (strongly consistent).
func (s *Store) GetPendingSignUp(ctx context.Context, email string) (auth.PendingSignUp, error) {
	var p auth.PendingSignUp
	err := s.getCode(ctx, auth.CodeRef{Kind: auth.KindSignUp, Key: email}, &p)
	return p, err
}

// PutPasswordReset stores a pending reset, replacing the user's earlier one.
func (s *Store) PutPasswordReset(ctx context.Context, r auth.PasswordReset) error {
	return s.putCode(ctx, r.Ref(), r, r.ExpiresAt)
}

// GetPasswordReset reads a user's pending reset (strongly consistent).
func (s *Store) GetPasswordReset(ctx context.Context, userID string) (auth.PasswordReset, error) {
	var r auth.PasswordReset
	err := s.getCode(ctx, auth.CodeRef{Kind: auth.KindReset, Key: userID}, &r)
	return r, err
}

func (s *Store) putCode(ctx context.Context, ref auth.CodeRef, v any, expires time.Time) error {
	it, err := store.Marshal("", "", v)
	if err != nil {
		return err
	}
	maps.Copy(it, codeKey(ref))
	it[store.AttrTTL] = store.TTL(expires)
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it}); err != nil {
		return fmt.Errorf("put pending %s: %w", ref.Kind, err)
	}
	return nil
}

func (s *Store) getCode(ctx context.Context, ref auth.CodeRef, v any) error {
	err := s.Get(ctx, codeKey(ref), v, "pending "+ref.Kind)
	if errors.Is(err, account.ErrNotFound) {
		return auth.ErrNoPending
	}
	return err
}

// CountCodeAttempt adds one attempt while the pending code is still ref.ID and
// under max, and returns the new count.
func (s *Store) CountCodeAttempt(ctx context.Context, ref auth.CodeRef, max int) (int, error) {
	out, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           &s.Table,
		Key:                                 codeKey(ref),
		UpdateExpression:                    aws.String("SET attempts = attempts + :one"),
		ConditionExpression:                 aws.String("id = :id AND attempts < :max"),
		ExpressionAttributeValues:           store.Item{":one": store.N(1), ":id": store.S(ref.ID), ":max": store.N(int64(max))},
		ReturnValues:                        ddbtypes.ReturnValueUpdatedNew,
		ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, failed := store.ConditionFailed(err); failed {
		if v, ok := old["id"].(*ddbtypes.AttributeValueMemberS); ok && v.Value == ref.ID {
			return 0, auth.ErrTooManyAttempts
		}
		return 0, auth.ErrNoPending
	}
	if err != nil {
		return 0, fmt.Errorf("count %s attempt: %w", ref.Kind, err)
	}
	n, ok := out.Attributes["attempts"].(*ddbtypes.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("count %s attempt: no count returned", ref.Kind)
	}
	c, err := strconv.Atoi(n.Value)
	if err != nil {
		return 0, fmt.Errorf("count %s attempt: %w", ref.Kind, err)
	}
	return c, nil
}

// DeleteCode deletes the pending code if it is still ref.ID.
func (s *Store) DeleteCode(ctx context.Context, ref auth.CodeRef) error {
	_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &s.Table, Key: codeKey(ref),
		ConditionExpression:       aws.String("id = :id"),
		ExpressionAttributeValues: store.Item{":id": store.S(ref.ID)},
	})
	if err != nil && !store.IsConditionFailed(err) {
		return fmt.Errorf("delete pending %s: %w", ref.Kind, err)
	}
	return nil
}

// ResetPassword writes the new hash and deletes the pending reset (only if
// it is still ref.ID) in one transaction, so a code sets a password once.
func (s *Store) ResetPassword(ctx context.Context, userID, hash string, ref auth.CodeRef) error {
	credIt, err := store.Marshal(store.UserPK(userID), store.SKPassword, store.CredentialItem{UserID: userID, Hash: hash})
	if err != nil {
		return err
	}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
		{Delete: &ddbtypes.Delete{
			TableName: &s.Table, Key: codeKey(ref),
			ConditionExpression:       aws.String("id = :id"),
			ExpressionAttributeValues: store.Item{":id": store.S(ref.ID)},
		}},
		// Only a user that still exists gets a password back.
		{Put: &ddbtypes.Put{TableName: &s.Table, Item: credIt}},
		{ConditionCheck: &ddbtypes.ConditionCheck{
			TableName: &s.Table, Key: store.Key(store.UserPK(userID), store.SKProfile),
			ConditionExpression: aws.String("attribute_exists(pk)"),
		}},
	}}
	return s.transact(ctx, in, map[int]error{0: auth.ErrNoPending, 2: account.ErrNotFound}, "reset password")
}
