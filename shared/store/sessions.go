package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/sessions"
)

var _ sessions.Store = (*Store)(nil)

type sessionRecord struct {
	ID             string    `dynamodbav:"id"`
	UserID         string    `dynamodbav:"userId"`
	TokenHash      string    `dynamodbav:"tokenHash"`
	UserAgent      string    `dynamodbav:"userAgent"`
	IPAddress      string    `dynamodbav:"ipAddress"`
	CreatedAt      time.Time `dynamodbav:"createdAt"`
	LastSeenAt     time.Time `dynamodbav:"lastSeenAt"`
	AbsoluteExpiry time.Time `dynamodbav:"absoluteExpiry"`
	ExpiresAt      time.Time `dynamodbav:"expiresAt"`
}

// SessionItem is a session as an item (sign-up and invitations write the
// first session in their transactions).
func SessionItem(s sessions.Session) (Item, error) {
	it, err := Marshal(UserPK(s.UserID), SessionSK(s.ID), sessionRecord(s))
	if err != nil {
		return nil, err
	}
	it[AttrTTL] = TTL(s.ExpiresAt)
	it[attrLastSeenMs] = N(s.LastSeenAt.UnixMilli())
	return it, nil
}

// attrLastSeenMs is lastSeenAt in Unix milliseconds: the number
// TouchSession's condition compares (RFC 3339 strings with a varying
// number of fraction digits do not sort as the times do).
const attrLastSeenMs = "lastSeenMs"

func sessionFrom(it Item) (sessions.Session, error) {
	var r sessionRecord
	if err := Unmarshal(it, &r); err != nil {
		return sessions.Session{}, err
	}
	return sessions.Session(r), nil
}

// PutSession stores a new session.
func (s *Store) PutSession(ctx context.Context, sess sessions.Session) error {
	it, err := SessionItem(sess)
	if err != nil {
		return err
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)")}); err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	return nil
}

// GetSessionWithUser reads the session and the user record in one
// strongly consistent BatchGetItem.
func (s *Store) GetSessionWithUser(ctx context.Context, userID, sessionID string) (sessions.Session, account.User, error) {
	keys := []Item{Key(UserPK(userID), SessionSK(sessionID)), Key(UserPK(userID), SKProfile)}
	req := map[string]ddbtypes.KeysAndAttributes{s.Table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	var items []Item
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt > 0 {
			if attempt > 5 {
				return sessions.Session{}, account.User{}, fmt.Errorf("batch get session: unprocessed keys remain")
			}
			time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
		}
		out, err := s.DB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return sessions.Session{}, account.User{}, fmt.Errorf("batch get session: %w", err)
		}
		items = append(items, out.Responses[s.Table]...)
		req = out.UnprocessedKeys
	}
	var sess *sessions.Session
	var user *account.User
	for _, it := range items {
		switch sk := it[AttrSK].(*ddbtypes.AttributeValueMemberS).Value; sk {
		case SKProfile:
			var u account.User
			if err := Unmarshal(it, &u); err != nil {
				return sessions.Session{}, account.User{}, err
			}
			user = &u
		default:
			x, err := sessionFrom(it)
			if err != nil {
				return sessions.Session{}, account.User{}, err
			}
			sess = &x
		}
	}
	if sess == nil || user == nil {
		return sessions.Session{}, account.User{}, account.ErrNotFound
	}
	return *sess, *user, nil
}

// TouchSession records activity at most once per interval.
func (s *Store) TouchSession(ctx context.Context, userID, sessionID string, lastSeen, expiresAt, notAfter time.Time) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        &s.Table,
		Key:              Key(UserPK(userID), SessionSK(sessionID)),
		UpdateExpression: aws.String("SET lastSeenAt = :now, #ms = :nowMs, expiresAt = :exp, #ttl = :ttl"),
		// Sessions written before lastSeenMs existed are touched once.
		ConditionExpression:      aws.String("attribute_exists(pk) AND (attribute_not_exists(#ms) OR #ms <= :notAfter)"),
		ExpressionAttributeNames: map[string]string{"#ttl": AttrTTL, "#ms": attrLastSeenMs},
		ExpressionAttributeValues: Item{
			":now":      S(lastSeen.UTC().Format(time.RFC3339Nano)),
			":nowMs":    N(lastSeen.UnixMilli()),
			":exp":      S(expiresAt.UTC().Format(time.RFC3339Nano)),
			":ttl":      TTL(expiresAt),
			":notAfter": N(notAfter.UnixMilli()),
		},
	})
	if err != nil && !IsConditionFailed(err) {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// ListSessions returns the user's sessions.
func (s *Store) ListSessions(ctx context.Context, userID string) ([]sessions.Session, error) {
	items, err := s.QueryAll(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :sk)"),
		ExpressionAttributeValues: Item{":pk": S(UserPK(userID)), ":sk": S(PrefixSession)},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	out := make([]sessions.Session, 0, len(items))
	for _, it := range items {
		x, err := sessionFrom(it)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// DeleteSession removes one session.
func (s *Store) DeleteSession(ctx context.Context, userID, sessionID string) error {
	_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &s.Table, Key: Key(UserPK(userID), SessionSK(sessionID)),
		ConditionExpression: aws.String("attribute_exists(pk)"),
	})
	if IsConditionFailed(err) {
		return account.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteSessions removes every session of the user but keepID.
func (s *Store) DeleteSessions(ctx context.Context, userID, keepID string) (int, error) {
	all, err := s.ListSessions(ctx, userID)
	if err != nil {
		return 0, err
	}
	var keys []Item
	for _, x := range all {
		if x.ID != keepID {
			keys = append(keys, Key(UserPK(userID), SessionSK(x.ID)))
		}
	}
	if err := s.BatchDelete(ctx, keys); err != nil {
		return 0, fmt.Errorf("delete sessions: %w", err)
	}
	return len(keys), nil
}

// BatchDelete deletes items 25 at a time, retrying unprocessed ones.
func (s *Store) BatchDelete(ctx context.Context, keys []Item) error {
	for start := 0; start < len(keys); start += 25 {
		end := min(start+25, len(keys))
		var reqs []ddbtypes.WriteRequest
		for _, k := range keys[start:end] {
			reqs = append(reqs, ddbtypes.WriteRequest{DeleteRequest: &ddbtypes.DeleteRequest{Key: k}})
		}
		pending := map[string][]ddbtypes.WriteRequest{s.Table: reqs}
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt > 8 {
				return fmt.Errorf("batch delete: unprocessed items remain")
			}
			if attempt > 0 {
				time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
			}
			out, err := s.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return fmt.Errorf("batch delete: %w", err)
			}
			pending = out.UnprocessedItems
		}
	}
	return nil
}
