// Package ssodb stores single sign-on (sso.Store): organizations'
// OpenID Connect configurations, domain claims and their owners, and
// started sign-ins. Its key shapes are listed in ../keys.go.
package ssodb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/sso"
	"github.com/example/myprofile/shared/store"
)

// Key shapes (see ../keys.go).
const (
	skConfig       = "SSO"
	prefixDomainSK = "DOMAIN#" // ORG#<oid> / DOMAIN#<domain>: the organization's claim
	prefixDomainPK = "DOMAIN#" // DOMAIN#<domain> / DOMAIN: the verified owner
	skDomain       = "DOMAIN"
	prefixState    = "SSOSTATE#"
	skState        = "SSOSTATE"
)

// Store is the table, with the core store's helpers and user records.
type Store struct{ *store.Store }

// New returns the SSO storage on a core store.
func New(s *store.Store) *Store { return &Store{s} }

var _ sso.Store = (*Store)(nil)

// GetConfig implements sso.Store.
func (s *Store) GetConfig(ctx context.Context, orgID string) (sso.Config, error) {
	var c sso.Config
	err := s.Get(ctx, store.Key(store.OrgPK(orgID), skConfig), &c, "sso config")
	return c, err
}

// PutConfig implements sso.Store.
func (s *Store) PutConfig(ctx context.Context, c sso.Config) error {
	it, err := store.Marshal(store.OrgPK(c.OrgID), skConfig, c)
	if err != nil {
		return err
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it}); err != nil {
		return fmt.Errorf("put sso config: %w", err)
	}
	return nil
}

// DeleteConfig implements sso.Store.
func (s *Store) DeleteConfig(ctx context.Context, orgID string) error {
	_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &s.Table, Key: store.Key(store.OrgPK(orgID), skConfig),
		ConditionExpression: aws.String("attribute_exists(pk)"),
	})
	if store.IsConditionFailed(err) {
		return account.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete sso config: %w", err)
	}
	return nil
}

// PutDomain implements sso.Store.
func (s *Store) PutDomain(ctx context.Context, d sso.Domain) error {
	it, err := store.Marshal(store.OrgPK(d.OrgID), prefixDomainSK+d.Domain, d)
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if store.IsConditionFailed(err) {
		return account.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("put domain: %w", err)
	}
	return nil
}

// GetDomain implements sso.Store.
func (s *Store) GetDomain(ctx context.Context, orgID, domain string) (sso.Domain, error) {
	var d sso.Domain
	err := s.Get(ctx, store.Key(store.OrgPK(orgID), prefixDomainSK+domain), &d, "domain")
	return d, err
}

// ListDomains implements sso.Store.
func (s *Store) ListDomains(ctx context.Context, orgID string) ([]sso.Domain, error) {
	items, err := s.QueryAll(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :p)"),
		ExpressionAttributeValues: store.Item{":pk": store.S(store.OrgPK(orgID)), ":p": store.S(prefixDomainSK)},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("list domains: %w", err)
	}
	out := make([]sso.Domain, 0, len(items))
	for _, it := range items {
		var d sso.Domain
		if err := store.Unmarshal(it, &d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// VerifyDomain implements sso.Store: the owner item is written only if
// absent or already this organization's (a domain belongs to one
// organization), together with the claim.
func (s *Store) VerifyDomain(ctx context.Context, d sso.Domain) error {
	claim, err := store.Marshal(store.OrgPK(d.OrgID), prefixDomainSK+d.Domain, d)
	if err != nil {
		return err
	}
	owner := store.Key(prefixDomainPK+d.Domain, skDomain)
	owner["orgId"] = store.S(d.OrgID)
	owner["verifiedAt"] = store.S(d.VerifiedAt.UTC().Format(time.RFC3339Nano))
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
		{Put: &ddbtypes.Put{TableName: &s.Table, Item: owner, // index 0: one organization per domain
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR orgId = :oid"),
			ExpressionAttributeValues: store.Item{":oid": store.S(d.OrgID)}}},
		{Put: &ddbtypes.Put{TableName: &s.Table, Item: claim, ConditionExpression: aws.String("attribute_exists(pk)")}},
	}})
	if r := store.CancelReasons(err); len(r) > 0 && r[0] == "ConditionalCheckFailed" {
		return account.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("verify domain: %w", err)
	}
	return nil
}

// DomainOwner implements sso.Store.
func (s *Store) DomainOwner(ctx context.Context, domain string) (string, error) {
	var o struct {
		OrgID string `dynamodbav:"orgId"`
	}
	if err := s.Get(ctx, store.Key(prefixDomainPK+domain, skDomain), &o, "domain owner"); err != nil {
		return "", err
	}
	return o.OrgID, nil
}

// PutFlow implements sso.Store.
func (s *Store) PutFlow(ctx context.Context, f sso.Flow) error {
	it, err := store.Marshal(prefixState+f.StateHash, skState, f)
	if err != nil {
		return err
	}
	it[store.AttrTTL] = store.TTL(f.ExpiresAt)
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if err != nil {
		return fmt.Errorf("put sso flow: %w", err)
	}
	return nil
}

// TakeFlow implements sso.Store: one DeleteItem returning the old item,
// conditioned on the item existing, so of two callbacks with one state
// only one gets it (without the condition, concurrent deletes may each
// return the old item).
func (s *Store) TakeFlow(ctx context.Context, stateHash string) (sso.Flow, error) {
	out, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &s.Table, Key: store.Key(prefixState+stateHash, skState), ReturnValues: ddbtypes.ReturnValueAllOld,
		ConditionExpression: aws.String("attribute_exists(pk)"),
	})
	if store.IsConditionFailed(err) {
		return sso.Flow{}, account.ErrNotFound
	}
	if err != nil {
		return sso.Flow{}, fmt.Errorf("take sso flow: %w", err)
	}
	if out.Attributes == nil {
		return sso.Flow{}, account.ErrNotFound
	}
	var f sso.Flow
	if err := store.Unmarshal(out.Attributes, &f); err != nil {
		return sso.Flow{}, err
	}
	return f, nil
}

// CreateUser implements sso.Store: email uniqueness, user record and
// member item in one transaction that also bumps the roster revision.
func (s *Store) CreateUser(ctx context.Context, n sso.NewUser) error {
	u := n.User
	m, ok := u.Orgs[n.OrgID]
	if !ok {
		return fmt.Errorf("create sso user: no membership in %s", n.OrgID)
	}
	emailIt, err := store.Marshal(store.EmailPK(u.Email), store.SKEmail, store.EmailItem{UserID: u.ID})
	if err != nil {
		return err
	}
	userIt, err := store.Marshal(store.UserPK(u.ID), store.SKProfile, u)
	if err != nil {
		return err
	}
	memberIt, err := store.Marshal(store.OrgPK(n.OrgID), store.MemberSK(u.ID), account.Member{OrgID: n.OrgID, UserID: u.ID, Role: m.Role, JoinedAt: m.JoinedAt})
	if err != nil {
		return err
	}
	notExists := aws.String("attribute_not_exists(pk)")
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
		{Put: &ddbtypes.Put{TableName: &s.Table, Item: emailIt, ConditionExpression: notExists}}, // index 0: email unique
		{Put: &ddbtypes.Put{TableName: &s.Table, Item: userIt, ConditionExpression: notExists}},
		{Put: &ddbtypes.Put{TableName: &s.Table, Item: memberIt, ConditionExpression: notExists}},
		{Update: &ddbtypes.Update{
			TableName: &s.Table, Key: store.Key(store.OrgPK(n.OrgID), store.SKOrg),
			// Any roster writer conditioned on the revision it read
			// retries after this one.
			UpdateExpression:          aws.String("SET #rev = if_not_exists(#rev, :zero) + :one"),
			ConditionExpression:       aws.String("attribute_exists(pk)"),
			ExpressionAttributeNames:  map[string]string{"#rev": store.AttrRev},
			ExpressionAttributeValues: store.Item{":zero": store.N(0), ":one": store.N(1)},
		}},
	}})
	if r := store.CancelReasons(err); len(r) > 0 && r[0] == "ConditionalCheckFailed" {
		return account.ErrEmailTaken
	}
	if err != nil {
		if r := store.CancelReasons(err); len(r) > 0 {
			return fmt.Errorf("create sso user (%s): %w", strings.Join(r, ","), err)
		}
		return fmt.Errorf("create sso user: %w", err)
	}
	return nil
}
