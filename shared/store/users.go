package store

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
)

// CredentialItem is a user's password item.
type CredentialItem struct {
	UserID string `dynamodbav:"userId"`
	Hash   string `dynamodbav:"hash"`
}

// EmailItem holds an email for one user (uniqueness).
type EmailItem struct {
	UserID string `dynamodbav:"userId"`
}

// LookupEmail returns the id of the user holding an email (strongly
// consistent). account.ErrNotFound if none.
func (s *Store) LookupEmail(ctx context.Context, email string) (string, error) {
	var e EmailItem
	if err := s.Get(ctx, Key(EmailPK(email), SKEmail), &e, "email"); err != nil {
		return "", err
	}
	return e.UserID, nil
}

// GetPasswordHash returns the user's password hash. account.ErrNotFound if
// the user has none (SSO-managed or deleted).
func (s *Store) GetPasswordHash(ctx context.Context, userID string) (string, error) {
	var c CredentialItem
	if err := s.Get(ctx, Key(UserPK(userID), SKPassword), &c, "password"); err != nil {
		return "", err
	}
	return c.Hash, nil
}

// SetPasswordHash replaces the user's password hash.
func (s *Store) SetPasswordHash(ctx context.Context, userID, hash string) error {
	it, err := Marshal(UserPK(userID), SKPassword, CredentialItem{UserID: userID, Hash: hash})
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it})
	if err != nil {
		return fmt.Errorf("put password: %w", err)
	}
	return nil
}

// ReplacePasswordHash sets the user's hash to newHash only if the stored
// hash is still oldHash (a rehash at sign-in must not revert a password
// changed meanwhile); account.ErrConflict if it is not.
func (s *Store) ReplacePasswordHash(ctx context.Context, userID, oldHash, newHash string) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       Key(UserPK(userID), SKPassword),
		UpdateExpression:          aws.String("SET #hash = :new"),
		ConditionExpression:       aws.String("#hash = :old"),
		ExpressionAttributeNames:  map[string]string{"#hash": "hash"},
		ExpressionAttributeValues: Item{":new": S(newHash), ":old": S(oldHash)},
	})
	if IsConditionFailed(err) {
		return account.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("replace password: %w", err)
	}
	return nil
}

// GetUser reads a user record (strongly consistent). account.ErrNotFound if absent.
func (s *Store) GetUser(ctx context.Context, userID string) (account.User, error) {
	var u account.User
	if err := s.Get(ctx, Key(UserPK(userID), SKProfile), &u, "user"); err != nil {
		return account.User{}, err
	}
	return u, nil
}

// SaveUser writes the whole user record if the stored version is still
// expectVersion; u.Version must be expectVersion+1. account.ErrConflict if
// another write came first, account.ErrNotFound if the user is gone.
// Every writer of the user record goes through here (or a transaction with
// the same condition), so no update is lost.
func (s *Store) SaveUser(ctx context.Context, u account.User, expectVersion int64) error {
	put, err := s.UserPut(u, expectVersion)
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: put.TableName, Item: put.Item, ConditionExpression: put.ConditionExpression,
		ExpressionAttributeValues:           put.ExpressionAttributeValues,
		ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, failed := ConditionFailed(err); failed {
		if old == nil {
			return account.ErrNotFound
		}
		return account.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("save user: %w", err)
	}
	return nil
}

// UserPut is SaveUser's write as a transaction item, for callers that change
// the user together with other items.
func (s *Store) UserPut(u account.User, expectVersion int64) (*ddbtypes.Put, error) {
	if u.Version != expectVersion+1 {
		return nil, fmt.Errorf("save user: version %d does not follow %d", u.Version, expectVersion)
	}
	it, err := Marshal(UserPK(u.ID), SKProfile, u)
	if err != nil {
		return nil, err
	}
	return &ddbtypes.Put{
		TableName:                 &s.Table,
		Item:                      it,
		ConditionExpression:       aws.String("attribute_exists(pk) AND version = :v"),
		ExpressionAttributeValues: Item{":v": &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(expectVersion, 10)}},
	}, nil
}
