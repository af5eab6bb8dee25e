package verificationdb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/events"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/eventsdb"
	"github.com/example/myprofile/shared/verification"
)

var _ verification.Store = (*Store)(nil)

// PutChange stores a pending change, replacing the previous one of its kind.
func (s *Store) PutChange(ctx context.Context, c verification.Change) error {
	it, err := store.Marshal(store.UserPK(c.UserID), VerifySK(c.Kind), c)
	if err != nil {
		return err
	}
	it[store.AttrTTL] = store.TTL(c.ExpiresAt)
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it}); err != nil {
		return fmt.Errorf("put pending %s change: %w", c.Kind, err)
	}
	return nil
}

// GetChange reads a pending change (strongly consistent).
func (s *Store) GetChange(ctx context.Context, userID, kind string) (verification.Change, error) {
	var c verification.Change
	err := s.Get(ctx, store.Key(store.UserPK(userID), VerifySK(kind)), &c, "pending "+kind+" change")
	if errors.Is(err, account.ErrNotFound) {
		return verification.Change{}, verification.ErrNoPending
	}
	if err != nil {
		return verification.Change{}, err
	}
	return c, nil
}

// CountAttempt adds one attempt while the change is the same and under max.
func (s *Store) CountAttempt(ctx context.Context, userID, kind, id string, max int) (int, error) {
	out, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           &s.Table,
		Key:                                 store.Key(store.UserPK(userID), VerifySK(kind)),
		UpdateExpression:                    aws.String("SET attempts = attempts + :one"),
		ConditionExpression:                 aws.String("id = :id AND attempts < :max"),
		ExpressionAttributeValues:           store.Item{":one": store.N(1), ":id": store.S(id), ":max": store.N(int64(max))},
		ReturnValues:                        ddbtypes.ReturnValueUpdatedNew,
		ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, failed := store.ConditionFailed(err); failed {
		if old != nil {
			if v, ok := old["id"].(*ddbtypes.AttributeValueMemberS); ok && v.Value == id {
				return 0, verification.ErrTooManyAttempts
			}
		}
		return 0, verification.ErrNoPending
	}
	if err != nil {
		return 0, fmt.Errorf("count attempt: %w", err)
	}
	n, _ := out.Attributes["attempts"].(*ddbtypes.AttributeValueMemberN)
	if n == nil {
		return 0, fmt.Errorf("count attempt: no count returned")
	}
	return strconv.Atoi(n.Value)
}

// DeleteChange deletes a pending change (only the one with id, if given).
func (s *Store) DeleteChange(ctx context.Context, userID, kind, id string) error {
	in := &dynamodb.DeleteItemInput{TableName: &s.Table, Key: store.Key(store.UserPK(userID), VerifySK(kind))}
	if id != "" {
		in.ConditionExpression = aws.String("id = :id")
		in.ExpressionAttributeValues = store.Item{":id": store.S(id)}
	}
	_, err := s.DB.DeleteItem(ctx, in)
	if err != nil && !store.IsConditionFailed(err) {
		return fmt.Errorf("delete pending %s change: %w", kind, err)
	}
	return nil
}

// deletePending is the transaction item that consumes a pending change: it
// must still be the one confirmed and not expired.
func (s *Store) deletePending(c verification.Change, now time.Time) *ddbtypes.Delete {
	return &ddbtypes.Delete{
		TableName:                 &s.Table,
		Key:                       store.Key(store.UserPK(c.UserID), VerifySK(c.Kind)),
		ConditionExpression:       aws.String("id = :id AND #ttl > :now"),
		ExpressionAttributeNames:  map[string]string{"#ttl": store.AttrTTL},
		ExpressionAttributeValues: store.Item{":id": store.S(c.ID), ":now": store.N(now.Unix())},
	}
}

// ConfirmEmail moves the user to a new email in one transaction.
func (s *Store) ConfirmEmail(ctx context.Context, u account.User, oldEmail string, expectVersion int64, c verification.Change, now time.Time, evs ...events.Event) error {
	userPut, err := s.UserPut(u, expectVersion)
	if err != nil {
		return err
	}
	emailIt, err := store.Marshal(store.EmailPK(u.Email), store.SKEmail, store.EmailItem{UserID: u.ID})
	if err != nil {
		return err
	}
	puts, err := eventsdb.TransactPuts(s.Table, evs)
	if err != nil {
		return err
	}
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: append([]ddbtypes.TransactWriteItem{
		{Put: &ddbtypes.Put{TableName: &s.Table, Item: emailIt, ConditionExpression: aws.String("attribute_not_exists(pk)")}}, // 0: claim
		{Delete: &ddbtypes.Delete{ // 1: release
			TableName: &s.Table, Key: store.Key(store.EmailPK(oldEmail), store.SKEmail),
			ConditionExpression:       aws.String("userId = :uid"),
			ExpressionAttributeValues: store.Item{":uid": store.S(u.ID)},
		}},
		{Put: userPut},                    // 2: the user, version-conditioned
		{Delete: s.deletePending(c, now)}, // 3: single use
	}, puts...)}) // then the outbox puts
	if err == nil {
		return nil
	}
	r := store.CancelReasons(err)
	var tc *ddbtypes.TransactionConflictException
	switch {
	case errors.As(err, &tc):
		return account.ErrConflict
	case len(r) != 4+len(puts):
		return fmt.Errorf("confirm email change: %w", err)
	case r[3] == "ConditionalCheckFailed":
		// Checked first: a concurrent confirmation of the same change also
		// holds the new email by now, and that is not "taken".
		return verification.ErrNoPending
	case r[0] == "ConditionalCheckFailed":
		return account.ErrEmailTaken
	default:
		// The user or the old email item changed, or another transaction
		// on the same items was in flight: re-read and retry.
		return account.ErrConflict
	}
}

// ConfirmPhone saves the user with the new phone and consumes the change.
func (s *Store) ConfirmPhone(ctx context.Context, u account.User, expectVersion int64, c verification.Change, now time.Time, evs ...events.Event) error {
	userPut, err := s.UserPut(u, expectVersion)
	if err != nil {
		return err
	}
	puts, err := eventsdb.TransactPuts(s.Table, evs)
	if err != nil {
		return err
	}
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: append([]ddbtypes.TransactWriteItem{
		{Put: userPut},
		{Delete: s.deletePending(c, now)},
	}, puts...)})
	if err == nil {
		return nil
	}
	r := store.CancelReasons(err)
	var tc *ddbtypes.TransactionConflictException
	switch {
	case errors.As(err, &tc):
		return account.ErrConflict
	case len(r) != 2+len(puts):
		return fmt.Errorf("confirm phone change: %w", err)
	case r[1] == "ConditionalCheckFailed":
		return verification.ErrNoPending
	default:
		return account.ErrConflict
	}
}

// VerifySK is the sort key of a user's pending change of a kind (keys.go
// lists it): VERIFY#EMAIL or VERIFY#PHONE.
func VerifySK(kind string) string { return "VERIFY#" + strings.ToUpper(kind) }
