package authdb

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/auth"
	"github.com/example/myprofile/shared/store"
)

var _ auth.DeviceStore = (*Store)(nil)

// GetCredentials reads the password item and the user record in one
// strongly consistent BatchGetItem. account.ErrNotFound if either is
// missing.
func (s *Store) GetCredentials(ctx context.Context, userID string) (string, account.User, error) {
	items, err := s.BatchGet(ctx, []store.Item{
		store.Key(store.UserPK(userID), store.SKPassword),
		store.Key(store.UserPK(userID), store.SKProfile),
	})
	if err != nil {
		return "", account.User{}, fmt.Errorf("get credentials: %w", err)
	}
	credIt, userIt := items[store.SKPassword], items[store.SKProfile]
	if credIt == nil || userIt == nil {
		return "", account.User{}, account.ErrNotFound
	}
	var c store.CredentialItem
	if err := store.Unmarshal(credIt, &c); err != nil {
		return "", account.User{}, err
	}
	var u account.User
	if err := store.Unmarshal(userIt, &u); err != nil {
		return "", account.User{}, err
	}
	return c.Hash, u, nil
}

type deviceItem struct {
	UserID     string    `dynamodbav:"userId"`
	Browser    string    `dynamodbav:"browser"`
	OS         string    `dynamodbav:"os"`
	IP         string    `dynamodbav:"ip"`
	LastSeenAt time.Time `dynamodbav:"lastSeenAt"`
}

// SeeDevice puts the device's item (TTL DeviceMemory from now) and reads
// the one it replaced in the same request: known when that one had not
// expired (DynamoDB deletes expired items late, so the TTL is compared).
func (s *Store) SeeDevice(ctx context.Context, userID string, d auth.Device, now time.Time) (bool, error) {
	it, err := store.Marshal(store.UserPK(userID), store.PrefixDevice+d.Key, deviceItem{UserID: userID, Browser: d.Browser, OS: d.OS, IP: d.IP, LastSeenAt: now})
	if err != nil {
		return false, err
	}
	it[store.AttrTTL] = store.TTL(now.Add(auth.DeviceMemory))
	out, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it, ReturnValues: ddbtypes.ReturnValueAllOld})
	if err != nil {
		return false, fmt.Errorf("put device: %w", err)
	}
	return live(out.Attributes, now), nil
}

func live(it store.Item, now time.Time) bool {
	if it == nil {
		return false
	}
	n, ok := it[store.AttrTTL].(*ddbtypes.AttributeValueMemberN)
	if !ok {
		return true
	}
	var ttl int64
	if _, err := fmt.Sscan(n.Value, &ttl); err != nil {
		return false
	}
	return ttl > now.Unix()
}

// FirstDevice writes the user's "devices known" mark if absent (one
// conditional PutItem): true when it was absent.
func (s *Store) FirstDevice(ctx context.Context, userID string, now time.Time) (bool, error) {
	it := store.Key(store.UserPK(userID), store.SKDevicesKnown)
	it["since"] = store.S(now.Format(time.RFC3339))
	_, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if store.IsConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("put devices mark: %w", err)
	}
	return true, nil
}
