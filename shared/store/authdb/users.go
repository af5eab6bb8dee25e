// Package authdb stores new accounts (auth.Store): the sign-up
// transaction. It is split from package store so that only the function
// that signs people up links package auth through it; its key shapes are
// listed in ../keys.go.
package authdb

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/auth"
	"github.com/example/myprofile/shared/store"
)

// Store is the table, with the core store's helpers and user records.
type Store struct{ *store.Store }

// New returns the sign-up storage on a core store.
func New(s *store.Store) *Store { return &Store{s} }

var _ auth.Store = (*Store)(nil)

// CreateAccount writes a new user with their email's uniqueness item, the
// password, a new organization with the user as owner, and the first
// session, in one transaction. account.ErrEmailTaken when the email is held.
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
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
		put(emailIt, notExists), // index 0: uniqueness of the email
		put(userItem, notExists),
		put(credIt, notExists),
		put(orgIt, notExists),
		put(memberIt, notExists),
		put(sessIt, notExists),
	}})
	if err != nil {
		if r := store.CancelReasons(err); len(r) > 0 && r[0] == "ConditionalCheckFailed" {
			return account.ErrEmailTaken
		}
		return fmt.Errorf("create account: %w", err)
	}
	return nil
}
