// Package authdb stores new accounts (auth.Store): the sign-up
// transaction. It is split from package store so that only the function
// that signs people up links package auth through it; its key shapes are
// listed in ../keys.go.
package authdb

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/auth"
	"github.com/example/myprofile/shared/retry"
	"github.com/example/myprofile/shared/store"
)

// Store is the table, with the core store's helpers and user records.
type Store struct{ *store.Store }

// New returns the sign-up storage on a core store.
func New(s *store.Store) *Store { return &Store{s} }

var _ auth.Store = (*Store)(nil)

// CreateAccount writes a new user with their email's uniqueness item, the
// password, a new organization with the user as owner, and the first
// session, and deletes the pending sign-up, in one transaction.
// auth.ErrNoPending when the pending sign-up is gone or replaced,
// account.ErrEmailTaken when the email is held.
func (s *Store) CreateAccount(ctx context.Context, a auth.NewAccount) error {
	u := a.User
	userItem, err := store.Marshal(store.UserPK(u.ID), store.SKProfile, u)
	if err != nil {
		return err
	}
	emailIt, err := store.Marshal(store.EmailPK(u.Email), store.SKEmail, store.EmailItem{UserID: u.ID})
	if err != nil {
		return err
	}
	credIt, err := store.Marshal(store.UserPK(u.ID), store.SKPassword, store.CredentialItem{UserID: u.ID, Hash: a.PasswordHash})
	if err != nil {
		return err
	}
	orgIt, err := store.Marshal(store.OrgPK(a.Org.ID), store.SKOrg, a.Org)
	if err != nil {
		return err
	}
	m := u.Orgs[a.Org.ID]
	memberIt, err := store.Marshal(store.OrgPK(a.Org.ID), store.MemberSK(u.ID), account.Member{OrgID: a.Org.ID, UserID: u.ID, Role: m.Role, JoinedAt: m.JoinedAt})
	if err != nil {
		return err
	}
	sessIt, err := store.SessionItem(a.Session)
	if err != nil {
		return err
	}
	notExists := aws.String("attribute_not_exists(pk)")
	put := func(it store.Item, cond *string) ddbtypes.TransactWriteItem {
		return ddbtypes.TransactWriteItem{Put: &ddbtypes.Put{TableName: &s.Table, Item: it, ConditionExpression: cond}}
	}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
		put(emailIt, notExists), // index 0: uniqueness of the email
		put(userItem, notExists),
		put(credIt, notExists),
		put(orgIt, notExists),
		put(memberIt, notExists),
		put(sessIt, notExists),
	}}
	if a.Pending.ID != "" {
		// index 6: the pending sign-up, taken once: of two confirmations
		// of one code, one commits and the other fails here. (An account
		// made otherwise, e.g. by a test, has none.)
		in.TransactItems = append(in.TransactItems, ddbtypes.TransactWriteItem{Delete: &ddbtypes.Delete{
			TableName: &s.Table, Key: codeKey(a.Pending.Ref()),
			ConditionExpression:       aws.String("id = :id"),
			ExpressionAttributeValues: store.Item{":id": store.S(a.Pending.ID)},
		}})
	}
	// Sign-ups racing for one email in DynamoDB: one commits, the others
	// fail its condition, or are cancelled with TransactionConflict while
	// it is in flight (the SDK does not retry that). A conflicted attempt
	// wrote nothing, so it is tried again and then meets the condition.
	return s.transact(ctx, in, map[int]error{0: account.ErrEmailTaken, 6: auth.ErrNoPending}, "create account")
}

// transact writes the transaction in, tried again after a
// TransactionConflict cancellation (which wrote nothing; up to
// maxConflictRetries times, with backoff). A cancellation because item i
// failed its condition returns failed[i]; any other error is wrapped as
// "what: err".
func (s *Store) transact(ctx context.Context, in *dynamodb.TransactWriteItemsInput, failed map[int]error, what string) error {
	for attempt := 0; ; attempt++ {
		_, err := s.DB.TransactWriteItems(ctx, in)
		if err == nil {
			return nil
		}
		r := store.CancelReasons(err)
		for i, reason := range r {
			if e, ok := failed[i]; ok && reason == "ConditionalCheckFailed" {
				return e
			}
		}
		if !conflicted(err, r) || attempt == maxConflictRetries {
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := retry.Backoff(ctx, attempt); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
}

// maxConflictRetries is how many times a sign-up cancelled by a concurrent
// transaction is tried again.
const maxConflictRetries = 4

// conflicted reports a transaction cancelled by another one in flight on
// the same items.
func conflicted(err error, reasons []string) bool {
	var tc *ddbtypes.TransactionConflictException
	return errors.As(err, &tc) || slices.Contains(reasons, "TransactionConflict")
}
