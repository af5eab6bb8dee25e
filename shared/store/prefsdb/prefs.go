package prefsdb

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/myprofile/shared/prefs"
	"github.com/example/myprofile/shared/store"
)

var _ prefs.Store = (*Store)(nil)

type notificationPrefsItem struct {
	UserID string            `dynamodbav:"userId"`
	Prefs  prefs.Preferences `dynamodbav:"prefs"`
}

// GetNotificationPrefs returns the user's notification preferences, or the
// defaults when none were saved.
func (s *Store) GetNotificationPrefs(ctx context.Context, userID string) (prefs.Preferences, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: store.Key(store.UserPK(userID), store.SKNotificationPrefs), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("get notification prefs: %w", err)
	}
	if out.Item == nil {
		return prefs.Defaults(), nil
	}
	var it notificationPrefsItem
	if err := store.Unmarshal(out.Item, &it); err != nil {
		return nil, err
	}
	return prefs.Normalize(it.Prefs), nil
}

// PutNotificationPrefs replaces the user's notification preferences. A PUT
// replaces the whole document, so last writer wins by design.
func (s *Store) PutNotificationPrefs(ctx context.Context, userID string, p prefs.Preferences) error {
	it, err := store.Marshal(store.UserPK(userID), store.SKNotificationPrefs, notificationPrefsItem{UserID: userID, Prefs: prefs.Normalize(p)})
	if err != nil {
		return err
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it}); err != nil {
		return fmt.Errorf("put notification prefs: %w", err)
	}
	return nil
}
