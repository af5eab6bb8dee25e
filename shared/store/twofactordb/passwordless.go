package twofactordb

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/twofactor"
)

var _ twofactor.PasskeyLoginStore = (*Store)(nil)

func passkeyLoginKey(id string) store.Item {
	return store.Key(store.PrefixPasskeyLogin+id, store.SKCeremony)
}

// PutPasskeyLogin stores a passwordless sign-in ceremony (TTL expires).
func (s *Store) PutPasskeyLogin(ctx context.Context, id, data string, expires time.Time) error {
	it, err := store.Marshal(store.PrefixPasskeyLogin+id, store.SKCeremony, webauthnRegItem{Data: data, ExpiresAt: expires})
	if err != nil {
		return err
	}
	it[store.AttrTTL] = store.TTL(expires)
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if err != nil {
		return fmt.Errorf("put passkey login: %w", err)
	}
	return nil
}

// TakePasskeyLogin deletes the ceremony and returns it, if it has not
// expired (one conditional DeleteItem: of concurrent finishes, one wins).
func (s *Store) TakePasskeyLogin(ctx context.Context, id string, now time.Time) (string, error) {
	out, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &s.Table, Key: passkeyLoginKey(id),
		ConditionExpression:       aws.String("attribute_exists(pk) AND #ttl > :now"),
		ExpressionAttributeNames:  map[string]string{"#ttl": store.AttrTTL},
		ExpressionAttributeValues: store.Item{":now": store.N(now.Unix())},
		ReturnValues:              ddbtypes.ReturnValueAllOld,
	})
	if store.IsConditionFailed(err) {
		return "", account.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("take passkey login: %w", err)
	}
	var r webauthnRegItem
	if err := store.Unmarshal(out.Attributes, &r); err != nil {
		return "", err
	}
	return r.Data, nil
}

// GetPasskeyWithUser reads one passkey and the user record in one strongly
// consistent BatchGetItem.
func (s *Store) GetPasskeyWithUser(ctx context.Context, userID, passkeyID string) (twofactor.Passkey, account.User, error) {
	items, err := s.BatchGet(ctx, []store.Item{
		store.Key(store.UserPK(userID), store.PrefixPasskey+passkeyID),
		store.Key(store.UserPK(userID), store.SKProfile),
	})
	if err != nil {
		return twofactor.Passkey{}, account.User{}, fmt.Errorf("get passkey: %w", err)
	}
	keyIt, userIt := items[store.PrefixPasskey+passkeyID], items[store.SKProfile]
	if keyIt == nil || userIt == nil {
		return twofactor.Passkey{}, account.User{}, account.ErrNotFound
	}
	var p passkeyItem
	if err := store.Unmarshal(keyIt, &p); err != nil {
		return twofactor.Passkey{}, account.User{}, err
	}
	var u account.User
	if err := store.Unmarshal(userIt, &u); err != nil {
		return twofactor.Passkey{}, account.User{}, err
	}
	return twofactor.Passkey(p), u, nil
}
