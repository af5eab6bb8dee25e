package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/auth"
	"github.com/example/myprofile/shared/profile"
)

var (
	_ auth.Store    = (*Store)(nil)
	_ profile.Store = (*Store)(nil)
)

type credentialItem struct {
	UserID string `dynamodbav:"userId"`
	Hash   string `dynamodbav:"hash"`
}

type emailItem struct {
	UserID string `dynamodbav:"userId"`
}

// CreateAccount writes a new user with their email's uniqueness item, the
// password, a new organization with the user as owner, and the first
// session, in one transaction. account.ErrEmailTaken when the email is held.
func (s *Store) CreateAccount(ctx context.Context, a auth.NewAccount) error {
	u := a.User
	userItem, err := marshal(UserPK(u.ID), skProfile, u)
	if err != nil {
		return err
	}
	emailIt, err := marshal(EmailPK(u.Email), skEmail, emailItem{UserID: u.ID})
	if err != nil {
		return err
	}
	credIt, err := marshal(UserPK(u.ID), skPassword, credentialItem{UserID: u.ID, Hash: a.PasswordHash})
	if err != nil {
		return err
	}
	orgIt, err := marshal(OrgPK(a.Org.ID), skOrg, a.Org)
	if err != nil {
		return err
	}
	m := u.Orgs[a.Org.ID]
	memberIt, err := marshal(OrgPK(a.Org.ID), MemberSK(u.ID), account.Member{OrgID: a.Org.ID, UserID: u.ID, Role: m.Role, JoinedAt: m.JoinedAt})
	if err != nil {
		return err
	}
	sessIt, err := sessionItem(a.Session)
	if err != nil {
		return err
	}
	notExists := aws.String("attribute_not_exists(pk)")
	put := func(it Item, cond *string) ddbtypes.TransactWriteItem {
		return ddbtypes.TransactWriteItem{Put: &ddbtypes.Put{TableName: &s.Table, Item: it, ConditionExpression: cond}}
	}
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
		put(emailIt, notExists), // index 0: uniqueness of the email
		put(userItem, notExists),
		put(credIt, notExists),
		put(orgIt, notExists),
		put(memberIt, notExists),
		put(sessIt, notExists),
	}})
	if err != nil {
		if r := cancelReasons(err); len(r) > 0 && r[0] == "ConditionalCheckFailed" {
			return account.ErrEmailTaken
		}
		return fmt.Errorf("create account: %w", err)
	}
	return nil
}

// LookupEmail returns the id of the user holding an email (strongly
// consistent). account.ErrNotFound if none.
func (s *Store) LookupEmail(ctx context.Context, email string) (string, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key(EmailPK(email), skEmail), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return "", fmt.Errorf("get email: %w", err)
	}
	if out.Item == nil {
		return "", account.ErrNotFound
	}
	var e emailItem
	if err := unmarshal(out.Item, &e); err != nil {
		return "", err
	}
	return e.UserID, nil
}

// GetPasswordHash returns the user's password hash. account.ErrNotFound if
// the user has none (SSO-managed or deleted).
func (s *Store) GetPasswordHash(ctx context.Context, userID string) (string, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key(UserPK(userID), skPassword), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return "", fmt.Errorf("get password: %w", err)
	}
	if out.Item == nil {
		return "", account.ErrNotFound
	}
	var c credentialItem
	if err := unmarshal(out.Item, &c); err != nil {
		return "", err
	}
	return c.Hash, nil
}

// SetPasswordHash replaces the user's password hash.
func (s *Store) SetPasswordHash(ctx context.Context, userID, hash string) error {
	it, err := marshal(UserPK(userID), skPassword, credentialItem{UserID: userID, Hash: hash})
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
		Key:                       key(UserPK(userID), skPassword),
		UpdateExpression:          aws.String("SET #hash = :new"),
		ConditionExpression:       aws.String("#hash = :old"),
		ExpressionAttributeNames:  map[string]string{"#hash": "hash"},
		ExpressionAttributeValues: Item{":new": S(newHash), ":old": S(oldHash)},
	})
	if isConditionFailed(err) {
		return account.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("replace password: %w", err)
	}
	return nil
}

// GetUser reads a user record (strongly consistent). account.ErrNotFound if absent.
func (s *Store) GetUser(ctx context.Context, userID string) (account.User, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key(UserPK(userID), skProfile), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return account.User{}, fmt.Errorf("get user: %w", err)
	}
	if out.Item == nil {
		return account.User{}, account.ErrNotFound
	}
	var u account.User
	if err := unmarshal(out.Item, &u); err != nil {
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
	if isConditionFailed(err) {
		var ccf *ddbtypes.ConditionalCheckFailedException
		if errors.As(err, &ccf) && ccf.Item == nil {
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
	it, err := marshal(UserPK(u.ID), skProfile, u)
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
