// Package connectionsdb stores connected accounts and started OAuth flows
// (connections.Store) in the single table. Its key shapes are listed in
// ../keys.go with every other.
package connectionsdb

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/connections"
	"github.com/example/myprofile/shared/store"
)

// Store is the table, with the core store's helpers.
type Store struct{ *store.Store }

// New returns the connections storage on a core store.
func New(s *store.Store) *Store { return &Store{s} }

var _ connections.Store = (*Store)(nil)

// ConnectionSK is a connection's sort key under its user.
func ConnectionSK(id string) string { return store.PrefixConnection + id }

// StatePK is the partition of a started OAuth flow (by the state's hash).
func StatePK(hash string) string { return store.PrefixConnState + hash }

// RefreshShardPK is the gsi1 partition of one shard of the refresh index.
func RefreshShardPK(shard int) string { return store.PrefixRefresh + strconv.Itoa(shard) }

func shardOf(uid string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(uid))
	return int(h.Sum32() % connections.Shards)
}

func refreshKey(t time.Time, uid, id string) string {
	return fmt.Sprintf("%012d#%s#%s", t.Unix(), uid, id)
}

type connItem struct {
	ID          string                 `dynamodbav:"id"`
	UserID      string                 `dynamodbav:"userId"`
	Provider    string                 `dynamodbav:"provider"`
	Account     string                 `dynamodbav:"account"`
	Scopes      []string               `dynamodbav:"scopes"`
	Purposes    []string               `dynamodbav:"purposes"`
	Status      string                 `dynamodbav:"status"`
	ConnectedAt time.Time              `dynamodbav:"connectedAt"`
	MailSync    bool                   `dynamodbav:"mailSync"`
	MeetingURL  string                 `dynamodbav:"meetingUrl"`
	Calendars   []connections.Calendar `dynamodbav:"calendars"`
	Sealed      string                 `dynamodbav:"sealed"`
	Expiry      int64                  `dynamodbav:"expiry"`
	NextRefresh int64                  `dynamodbav:"nextRefresh"`
	NoticeSent  bool                   `dynamodbav:"noticeSent"`
	Version     int64                  `dynamodbav:"version"`
	GSI1PK      string                 `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK      string                 `dynamodbav:"gsi1sk,omitempty"`
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromUnix(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

func item(c connections.Connection) (store.Item, error) {
	it := connItem{ID: c.ID, UserID: c.UserID, Provider: c.Provider, Account: c.Account, Scopes: c.Scopes, Purposes: c.Purposes,
		Status: c.Status, ConnectedAt: c.ConnectedAt, MailSync: c.MailSync, MeetingURL: c.MeetingURL, Calendars: c.Calendars,
		Sealed: c.Sealed, Expiry: unix(c.Expiry), NextRefresh: unix(c.NextRefresh), NoticeSent: c.NoticeSent, Version: c.Version}
	if !c.NextRefresh.IsZero() {
		it.GSI1PK = RefreshShardPK(shardOf(c.UserID))
		it.GSI1SK = refreshKey(c.NextRefresh, c.UserID, c.ID)
	}
	return store.Marshal(store.UserPK(c.UserID), ConnectionSK(c.ID), it)
}

func (it connItem) connection() connections.Connection {
	return connections.Connection{ID: it.ID, UserID: it.UserID, Provider: it.Provider, Account: it.Account, Scopes: it.Scopes,
		Purposes: it.Purposes, Status: it.Status, ConnectedAt: it.ConnectedAt, MailSync: it.MailSync, MeetingURL: it.MeetingURL,
		Calendars: it.Calendars, Sealed: it.Sealed, Expiry: fromUnix(it.Expiry), NextRefresh: fromUnix(it.NextRefresh),
		NoticeSent: it.NoticeSent, Version: it.Version}
}

type stateItem struct {
	UserID    string `dynamodbav:"userId"`
	Provider  string `dynamodbav:"provider"`
	Purpose   string `dynamodbav:"purpose"`
	Verifier  string `dynamodbav:"verifier"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
	TTL       int64  `dynamodbav:"ttl"`
}

// PutState implements connections.Store.
func (s *Store) PutState(ctx context.Context, st connections.PendingState) error {
	it, err := store.Marshal(StatePK(st.Hash), store.SKConnState, stateItem{UserID: st.UserID, Provider: st.Provider, Purpose: st.Purpose,
		Verifier: st.Verifier, ExpiresAt: st.ExpiresAt.Unix(), TTL: st.ExpiresAt.Unix()})
	if err != nil {
		return err
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it}); err != nil {
		return fmt.Errorf("put connection state: %w", err)
	}
	return nil
}

// TakeState implements connections.Store: one conditional delete, so a
// state works once.
func (s *Store) TakeState(ctx context.Context, hash, userID, provider string) (connections.PendingState, error) {
	out, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &s.Table, Key: store.Key(StatePK(hash), store.SKConnState),
		ConditionExpression:       aws.String("userId = :uid AND provider = :p"),
		ExpressionAttributeValues: store.Item{":uid": store.S(userID), ":p": store.S(provider)},
		ReturnValues:              ddbtypes.ReturnValueAllOld,
	})
	if store.IsConditionFailed(err) {
		return connections.PendingState{}, account.ErrNotFound
	}
	if err != nil {
		return connections.PendingState{}, fmt.Errorf("take connection state: %w", err)
	}
	var it stateItem
	if err := store.Unmarshal(out.Attributes, &it); err != nil {
		return connections.PendingState{}, err
	}
	return connections.PendingState{Hash: hash, UserID: it.UserID, Provider: it.Provider, Purpose: it.Purpose,
		Verifier: it.Verifier, ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC()}, nil
}

// CreateConnection implements connections.Store.
func (s *Store) CreateConnection(ctx context.Context, c connections.Connection) error {
	it, err := item(c)
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it,
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if store.IsConditionFailed(err) {
		return account.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("create connection: %w", err)
	}
	return nil
}

// GetConnection implements connections.Store.
func (s *Store) GetConnection(ctx context.Context, userID, id string) (connections.Connection, error) {
	if id == "" || strings.ContainsAny(id, "#") {
		return connections.Connection{}, account.ErrNotFound
	}
	var it connItem
	if err := s.Get(ctx, store.Key(store.UserPK(userID), ConnectionSK(id)), &it, "connection"); err != nil {
		return connections.Connection{}, err
	}
	return it.connection(), nil
}

// ListConnections implements connections.Store.
func (s *Store) ListConnections(ctx context.Context, userID string) ([]connections.Connection, error) {
	items, err := s.QueryAll(ctx, &dynamodb.QueryInput{
		TableName: &s.Table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :p)"),
		ExpressionAttributeValues: store.Item{":pk": store.S(store.UserPK(userID)), ":p": store.S(store.PrefixConnection)},
	})
	if err != nil {
		return nil, err
	}
	out := make([]connections.Connection, 0, len(items))
	for _, raw := range items {
		var it connItem
		if err := store.Unmarshal(raw, &it); err != nil {
			return nil, err
		}
		out = append(out, it.connection())
	}
	// Oldest first.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].ConnectedAt.Before(out[j-1].ConnectedAt); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// SaveConnection implements connections.Store.
func (s *Store) SaveConnection(ctx context.Context, c connections.Connection, expectVersion int64) error {
	it, err := item(c)
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it,
		ConditionExpression:                 aws.String("version = :v"),
		ExpressionAttributeValues:           store.Item{":v": store.N(expectVersion)},
		ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return store.WriteError(err, account.ErrConflict, "save connection")
}

// DeleteConnection implements connections.Store.
func (s *Store) DeleteConnection(ctx context.Context, userID, id string) error {
	_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table, Key: store.Key(store.UserPK(userID), ConnectionSK(id))})
	if err != nil {
		return fmt.Errorf("delete connection: %w", err)
	}
	return nil
}

// DueRefreshes implements connections.Store: one Query of a shard of gsi1
// (sparse: only connections with a refresh token to renew are in it).
func (s *Store) DueRefreshes(ctx context.Context, shard int, before time.Time, limit int) ([]connections.Due, error) {
	out, err := s.DB.Query(ctx, &dynamodb.QueryInput{
		TableName: &s.Table, IndexName: aws.String(store.GSI1.Name),
		KeyConditionExpression: aws.String("gsi1pk = :pk AND gsi1sk < :before"),
		ExpressionAttributeValues: store.Item{
			":pk": store.S(RefreshShardPK(shard)), ":before": store.S(fmt.Sprintf("%012d#", before.Unix())),
		},
		Limit: aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("query refresh shard %d: %w", shard, err)
	}
	due := make([]connections.Due, 0, len(out.Items))
	for _, raw := range out.Items {
		var it connItem
		if err := store.Unmarshal(raw, &it); err != nil {
			return nil, err
		}
		if it.UserID == "" || it.ID == "" {
			return nil, errors.New("refresh index: item without ids")
		}
		due = append(due, connections.Due{UserID: it.UserID, ID: it.ID})
	}
	return due, nil
}
