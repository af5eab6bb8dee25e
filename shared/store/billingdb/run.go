package billingdb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/billing"
	"github.com/example/myprofile/shared/prefs"
	"github.com/example/myprofile/shared/store"
)

// The scheduled run's reads and writes, by the request: one Query per
// organization for its balance and every alert, one BatchGetItem for the
// members of many organizations, one transaction per organization to claim
// its due alerts, and one write per alert sent.

// OrgAlerts implements billing.Store: one strongly consistent Query over the
// sort keys ALERT#… to BALANCE of the organization's partition (nothing else
// of the organization sorts in between).
func (s *Store) OrgAlerts(ctx context.Context, orgID string) (billing.Balance, []billing.Subscription, error) {
	items, err := s.QueryAll(ctx, &dynamodb.QueryInput{
		TableName: &s.Table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :first AND :last"),
		ExpressionAttributeValues: store.Item{
			":pk": store.S(store.OrgPK(orgID)), ":first": store.S(store.PrefixAlert), ":last": store.S(store.SKBalance),
		},
	})
	if err != nil {
		return billing.Balance{}, nil, fmt.Errorf("org alerts: %w", err)
	}
	var b billing.Balance
	found := false
	var subs []billing.Subscription
	for _, item := range items {
		sk, _ := item[store.AttrSK].(*ddbtypes.AttributeValueMemberS)
		switch {
		case sk == nil:
		case sk.Value == store.SKBalance:
			if b, err = balanceFromItem(item); err != nil {
				return billing.Balance{}, nil, err
			}
			found = true
		case strings.HasPrefix(sk.Value, store.PrefixAlert):
			var it alertItem
			if err := store.Unmarshal(item, &it); err != nil {
				return billing.Balance{}, nil, err
			}
			subs = append(subs, it.subscription())
		}
	}
	if !found {
		return billing.Balance{}, nil, account.ErrNotFound
	}
	return b, subs, nil
}

// balanceUnchanged is the transaction item that holds only while the
// organization's stored balance is still b.
func (s *Store) balanceUnchanged(b billing.Balance) ddbtypes.TransactWriteItem {
	return ddbtypes.TransactWriteItem{ConditionCheck: &ddbtypes.ConditionCheck{
		TableName: &s.Table, Key: store.Key(store.OrgPK(b.OrgID), store.SKBalance),
		ConditionExpression:       aws.String("computedAtNs = :c"),
		ExpressionAttributeValues: store.Item{":c": store.N(b.ComputedAt.UnixNano())},
	}}
}

// maxClaims keeps a claim transaction within DynamoDB's 100 items (the
// balance check is one).
const maxClaims = 99

// ClaimAlerts implements billing.Store: one transaction per 99 alerts,
// each claimed with ClaimAlert's condition, all conditioned on the balance
// still being b. An alert another sender holds (or that changed) is left
// out and the rest claimed again.
func (s *Store) ClaimAlerts(ctx context.Context, b billing.Balance, subs []billing.Subscription, leaseID string, now, leaseUntil time.Time) ([]billing.Subscription, error) {
	var claimed []billing.Subscription
	for len(subs) > 0 {
		chunk := subs[:min(len(subs), maxClaims)]
		subs = subs[len(chunk):]
		for len(chunk) > 0 {
			items := []ddbtypes.TransactWriteItem{s.balanceUnchanged(b)}
			for _, sub := range chunk {
				items = append(items, ddbtypes.TransactWriteItem{Update: &ddbtypes.Update{
					TableName: &s.Table, Key: store.Key(store.OrgPK(sub.OrgID), AlertSK(sub.UserID)),
					UpdateExpression:         aws.String("SET leaseId = :l, leaseUntil = :until"),
					ConditionExpression:      aws.String("armed = :t AND enabled = :t AND #rule = :r AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)"),
					ExpressionAttributeNames: map[string]string{"#rule": "rule"},
					ExpressionAttributeValues: store.Item{":l": store.S(leaseID), ":until": store.N(leaseUntil.UnixMilli()), ":t": boolTrue,
						":r": store.N(sub.Rule), ":now": store.N(now.UnixMilli())},
				}})
			}
			_, err := s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
			if err == nil {
				for _, sub := range chunk {
					sub.LeaseID, sub.LeaseUntil = leaseID, leaseUntil.UTC()
					claimed = append(claimed, sub)
				}
				break
			}
			reasons := store.CancelReasons(err)
			if len(reasons) != len(items) {
				return claimed, fmt.Errorf("claim billing alerts: %w", err)
			}
			if reasons[0] == "ConditionalCheckFailed" {
				// A newer balance: its own evaluation decides.
				return claimed, nil
			}
			var keep []billing.Subscription
			for i, sub := range chunk {
				if reasons[i+1] != "ConditionalCheckFailed" {
					keep = append(keep, sub)
				}
			}
			if len(keep) == len(chunk) {
				return claimed, fmt.Errorf("claim billing alerts: %w", err) // a conflict, not a condition: retry next run
			}
			chunk = keep
		}
	}
	return claimed, nil
}

// DisarmAlertAt implements billing.Store: DisarmAlert in a transaction that
// also holds only while the balance is still b. stale reports a balance
// that changed meanwhile (nothing written then).
func (s *Store) DisarmAlertAt(ctx context.Context, b billing.Balance, userID, leaseID string) (ok, stale bool, err error) {
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
		s.balanceUnchanged(b),
		{Update: &ddbtypes.Update{
			TableName: &s.Table, Key: store.Key(store.OrgPK(b.OrgID), AlertSK(userID)),
			UpdateExpression:          aws.String("SET armed = :f, gsi2pk = :g REMOVE leaseId, leaseUntil, sent"),
			ConditionExpression:       aws.String("leaseId = :l AND enabled = :t"),
			ExpressionAttributeValues: store.Item{":f": boolFalse, ":t": boolTrue, ":g": store.S(AlertIndexPK(b.OrgID, false)), ":l": store.S(leaseID)},
		}},
	}})
	if r := store.CancelReasons(err); len(r) == 2 {
		if r[0] == "ConditionalCheckFailed" {
			return false, true, nil
		}
		if r[1] == "ConditionalCheckFailed" {
			return false, false, nil
		}
	}
	if err != nil {
		return false, false, fmt.Errorf("disarm billing alert: %w", err)
	}
	return true, false, nil
}

// Recipients implements billing.Store: the user records and notification
// preferences of the members, 50 members (100 keys) per BatchGetItem.
func (s *Store) Recipients(ctx context.Context, userIDs []string) (map[string]billing.Recipient, error) {
	out := make(map[string]billing.Recipient, len(userIDs))
	seen := map[string]bool{}
	var keys []store.Item
	for _, id := range userIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		keys = append(keys, store.Key(store.UserPK(id), store.SKProfile), store.Key(store.UserPK(id), store.SKNotificationPrefs))
	}
	found := map[string]prefs.Preferences{}
	for len(keys) > 0 {
		chunk := keys[:min(len(keys), 100)]
		keys = keys[len(chunk):]
		req := map[string]ddbtypes.KeysAndAttributes{s.Table: {Keys: chunk, ConsistentRead: aws.Bool(true)}}
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt > 5 {
				return nil, fmt.Errorf("billing recipients: unprocessed keys remain")
			}
			if attempt > 0 {
				time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
			}
			res, err := s.DB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("billing recipients: %w", err)
			}
			for _, item := range res.Responses[s.Table] {
				sk, _ := item[store.AttrSK].(*ddbtypes.AttributeValueMemberS)
				switch {
				case sk == nil:
				case sk.Value == store.SKProfile:
					var u account.User
					if err := store.Unmarshal(item, &u); err != nil {
						return nil, err
					}
					r := out[u.ID]
					r.User = u
					out[u.ID] = r
				case sk.Value == store.SKNotificationPrefs:
					var p struct {
						UserID string            `dynamodbav:"userId"`
						Prefs  prefs.Preferences `dynamodbav:"prefs"`
					}
					if err := store.Unmarshal(item, &p); err != nil {
						return nil, err
					}
					found[p.UserID] = prefs.Normalize(p.Prefs)
				}
			}
			req = res.UnprocessedKeys
		}
	}
	for id, r := range out {
		if p, ok := found[id]; ok {
			r.Prefs = p
		} else {
			r.Prefs = prefs.Defaults()
		}
		out[id] = r
	}
	return out, nil
}
