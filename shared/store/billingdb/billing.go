package billingdb

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/billing"
	"github.com/example/myprofile/shared/store"
)

var _ billing.Store = (*Store)(nil)

// LowShards spreads the low-balance marker over this many gsi1 partitions
// so marking does not concentrate writes on one key.
const LowShards = 8

// balanceItem is ORG#<oid>/BALANCE.
type balanceItem struct {
	OrgID        string `dynamodbav:"orgId"`
	Amount       int64  `dynamodbav:"amount"`
	Currency     string `dynamodbav:"currency"`
	ComputedAt   string `dynamodbav:"computedAt"`
	ComputedAtNs int64  `dynamodbav:"computedAtNs"`
	GSI1PK       string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK       string `dynamodbav:"gsi1sk,omitempty"`
}

// alertItem is ORG#<oid>/ALERT#<uid>.
type alertItem struct {
	OrgID      string   `dynamodbav:"orgId"`
	UserID     string   `dynamodbav:"userId"`
	Enabled    bool     `dynamodbav:"enabled"`
	Amount     int64    `dynamodbav:"amount"`
	Currency   string   `dynamodbav:"currency"`
	Channels   []string `dynamodbav:"channels"`
	Version    int64    `dynamodbav:"version"`
	Rule       int64    `dynamodbav:"rule"`
	Armed      bool     `dynamodbav:"armed"`
	Sent       []string `dynamodbav:"sent,omitempty"`
	LeaseID    string   `dynamodbav:"leaseId,omitempty"`
	LeaseUntil int64    `dynamodbav:"leaseUntil,omitempty"` // epoch ms
}

func (it alertItem) subscription() billing.Subscription {
	s := billing.Subscription{
		OrgID: it.OrgID, UserID: it.UserID, Version: it.Version, Rule: it.Rule, Armed: it.Armed,
		Sent: it.Sent, LeaseID: it.LeaseID,
		Settings: billing.Settings{Enabled: it.Enabled, Threshold: billing.Money{Amount: it.Amount, Currency: it.Currency}, Channels: it.Channels},
	}
	if s.Settings.Channels == nil {
		s.Settings.Channels = []string{}
	}
	if it.LeaseUntil > 0 {
		s.LeaseUntil = time.UnixMilli(it.LeaseUntil).UTC()
	}
	return s
}

// AlertSK is the sort key of a member's billing alert under the organization.
func AlertSK(uid string) string { return store.PrefixAlert + uid }

// LowPK is one shard of the low-balance marker index (gsi1).
func LowPK(oid string) string {
	h := fnv.New32a()
	h.Write([]byte(oid))
	return store.PrefixLow + strconv.Itoa(int(h.Sum32()%LowShards))
}

// AlertIndexPK is the gsi2 partition of an organization's enabled alerts
// in one state (armed or fired).
func AlertIndexPK(oid string, armed bool) string {
	if armed {
		return store.PrefixAlertOrg + oid + "#ARMED"
	}
	return store.PrefixAlertOrg + oid + "#FIRED"
}

// AlertIndexSK orders an organization's alerts by currency then threshold:
// "<CUR>#<19-digit amount>#<uid>" (thresholds are never negative).
func AlertIndexSK(m billing.Money, uid string) string {
	return fmt.Sprintf("%s#%019d#%s", m.Currency, m.Amount, uid)
}

// PutBalance stores b unless an equal or newer one is stored.
func (s *Store) PutBalance(ctx context.Context, b billing.Balance) (billing.Balance, error) {
	it := balanceItem{
		OrgID: b.OrgID, Amount: b.Money.Amount, Currency: b.Money.Currency,
		ComputedAt: b.ComputedAt.UTC().Format(time.RFC3339Nano), ComputedAtNs: b.ComputedAt.UnixNano(),
	}
	if b.Low {
		it.GSI1PK, it.GSI1SK = LowPK(b.OrgID), b.OrgID
	}
	item, err := store.Marshal(store.OrgPK(b.OrgID), store.SKBalance, it)
	if err != nil {
		return billing.Balance{}, err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.Table, Item: item,
		ConditionExpression:                 aws.String("attribute_not_exists(pk) OR computedAtNs < :c"),
		ExpressionAttributeValues:           store.Item{":c": store.N(it.ComputedAtNs)},
		ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, failed := store.ConditionFailed(err); failed {
		if old != nil {
			stored, uerr := balanceFromItem(old)
			if uerr != nil {
				return billing.Balance{}, uerr
			}
			return stored, billing.ErrStale
		}
		return billing.Balance{}, billing.ErrStale
	}
	if err != nil {
		return billing.Balance{}, fmt.Errorf("put balance: %w", err)
	}
	return b, nil
}

func balanceFromItem(item store.Item) (billing.Balance, error) {
	var it balanceItem
	if err := store.Unmarshal(item, &it); err != nil {
		return billing.Balance{}, err
	}
	return billing.Balance{
		OrgID: it.OrgID, Money: billing.Money{Amount: it.Amount, Currency: it.Currency},
		ComputedAt: time.Unix(0, it.ComputedAtNs).UTC(), Low: it.GSI1PK != "",
	}, nil
}

// GetBalance reads an organization's balance, strongly consistent.
func (s *Store) GetBalance(ctx context.Context, orgID string) (billing.Balance, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: store.Key(store.OrgPK(orgID), store.SKBalance), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return billing.Balance{}, fmt.Errorf("get balance: %w", err)
	}
	if out.Item == nil {
		return billing.Balance{}, account.ErrNotFound
	}
	return balanceFromItem(out.Item)
}

// MarkBalanceLow sets or clears the low marker of the balance computed at computedAt.
func (s *Store) MarkBalanceLow(ctx context.Context, orgID string, computedAt time.Time, low bool) error {
	in := &dynamodb.UpdateItemInput{
		TableName: &s.Table, Key: store.Key(store.OrgPK(orgID), store.SKBalance),
		ConditionExpression:       aws.String("computedAtNs = :c"),
		ExpressionAttributeValues: store.Item{":c": store.N(computedAt.UnixNano())},
	}
	if low {
		in.UpdateExpression = aws.String("SET gsi1pk = :p, gsi1sk = :s")
		in.ExpressionAttributeValues[":p"] = store.S(LowPK(orgID))
		in.ExpressionAttributeValues[":s"] = store.S(orgID)
	} else {
		in.UpdateExpression = aws.String("REMOVE gsi1pk, gsi1sk")
	}
	_, err := s.DB.UpdateItem(ctx, in)
	if err != nil && !store.IsConditionFailed(err) {
		return fmt.Errorf("mark balance low: %w", err)
	}
	return nil
}

// LowBalanceOrgs queries every shard of the low marker.
func (s *Store) LowBalanceOrgs(ctx context.Context) ([]string, error) {
	var out []string
	for shard := range LowShards {
		items, err := s.QueryAll(ctx, &dynamodb.QueryInput{
			TableName: &s.Table, IndexName: aws.String(store.GSI1.Name),
			KeyConditionExpression:    aws.String("gsi1pk = :p"),
			ExpressionAttributeValues: store.Item{":p": store.S(store.PrefixLow + strconv.Itoa(shard))},
			ProjectionExpression:      aws.String("orgId"),
		})
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			var b struct {
				OrgID string `dynamodbav:"orgId"`
			}
			if err := store.Unmarshal(it, &b); err != nil {
				return nil, err
			}
			out = append(out, b.OrgID)
		}
	}
	return out, nil
}

// GetSubscription reads a member's alert, strongly consistent.
func (s *Store) GetSubscription(ctx context.Context, orgID, userID string) (billing.Subscription, error) {
	var it alertItem
	if err := s.Get(ctx, store.Key(store.OrgPK(orgID), AlertSK(userID)), &it, "billing alert"); err != nil {
		return billing.Subscription{}, err
	}
	return it.subscription(), nil
}

// SaveSubscription writes a member's settings (see billing.Store).
func (s *Store) SaveSubscription(ctx context.Context, sub billing.Subscription, expectVersion int64, newRule bool) error {
	if sub.Version != expectVersion+1 {
		return fmt.Errorf("save billing alert: version %d does not follow %d", sub.Version, expectVersion)
	}
	channels := sub.Settings.Channels
	if channels == nil {
		channels = []string{}
	}
	vals := store.Item{":ver": store.N(sub.Version), ":ch": listS(channels)}
	set := "SET version = :ver, channels = :ch"
	remove := ""
	if newRule {
		vals[":o"], vals[":u"] = store.S(sub.OrgID), store.S(sub.UserID)
		vals[":en"] = &ddbtypes.AttributeValueMemberBOOL{Value: sub.Settings.Enabled}
		vals[":amt"], vals[":cur"] = store.N(sub.Settings.Threshold.Amount), store.S(sub.Settings.Threshold.Currency)
		vals[":rule"], vals[":t"] = store.N(sub.Rule), &ddbtypes.AttributeValueMemberBOOL{Value: true}
		set += ", orgId = :o, userId = :u, enabled = :en, amount = :amt, currency = :cur, #rule = :rule, armed = :t"
		remove = " REMOVE sent, leaseId, leaseUntil"
		if sub.Settings.Enabled {
			vals[":g2p"], vals[":g2s"] = store.S(AlertIndexPK(sub.OrgID, true)), store.S(AlertIndexSK(sub.Settings.Threshold, sub.UserID))
			set += ", gsi2pk = :g2p, gsi2sk = :g2s"
		} else {
			remove += ", gsi2pk, gsi2sk"
		}
	}
	cond := "attribute_not_exists(pk)"
	if expectVersion > 0 {
		cond = "version = :expect"
		vals[":expect"] = store.N(expectVersion)
	}
	in := &dynamodb.UpdateItemInput{
		TableName: &s.Table, Key: store.Key(store.OrgPK(sub.OrgID), AlertSK(sub.UserID)),
		UpdateExpression:          aws.String(set + remove),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeValues: vals,
	}
	if newRule {
		in.ExpressionAttributeNames = map[string]string{"#rule": "rule"}
	}
	_, err := s.DB.UpdateItem(ctx, in)
	if store.IsConditionFailed(err) {
		return account.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("save billing alert: %w", err)
	}
	return nil
}

func listS(ss []string) ddbtypes.AttributeValue {
	l := make([]ddbtypes.AttributeValue, len(ss))
	for i, s := range ss {
		l[i] = store.S(s)
	}
	return &ddbtypes.AttributeValueMemberL{Value: l}
}

// ArmedAlerts returns the armed alerts with a threshold above m.
func (s *Store) ArmedAlerts(ctx context.Context, orgID string, m billing.Money) ([]billing.Subscription, error) {
	lo, hi, ok := aboveRange(m)
	if !ok {
		return nil, nil
	}
	return s.alertRange(ctx, AlertIndexPK(orgID, true), lo, hi, 0)
}

// FiredAlerts returns the disarmed alerts with a threshold at or below m.
func (s *Store) FiredAlerts(ctx context.Context, orgID string, m billing.Money) ([]billing.Subscription, error) {
	if m.Amount < 0 {
		return nil, nil
	}
	lo := m.Currency + "#"
	hi := fmt.Sprintf("%s#%019d#~", m.Currency, m.Amount)
	return s.alertRange(ctx, AlertIndexPK(orgID, false), lo, hi, 0)
}

// RecoveredAlerts returns the armed alerts with a threshold at or below m.
func (s *Store) RecoveredAlerts(ctx context.Context, orgID string, m billing.Money) ([]billing.Subscription, error) {
	if m.Amount < 0 {
		return nil, nil
	}
	lo := m.Currency + "#"
	hi := fmt.Sprintf("%s#%019d#~", m.Currency, m.Amount)
	return s.alertRange(ctx, AlertIndexPK(orgID, true), lo, hi, 0)
}

// ForgetSent clears the channels sent during a crossing that is over, on
// an armed alert at rule that no sender holds.
func (s *Store) ForgetSent(ctx context.Context, orgID, userID string, rule int64) (bool, error) {
	return s.updateAlert(ctx, orgID, userID,
		"REMOVE sent",
		"armed = :t AND enabled = :t AND #rule = :r AND attribute_not_exists(leaseId)",
		map[string]string{"#rule": "rule"},
		store.Item{":t": boolTrue, ":r": store.N(rule)})
}

// AnyAlertAbove reports whether an enabled alert (either state) has a threshold above m.
func (s *Store) AnyAlertAbove(ctx context.Context, orgID string, m billing.Money) (bool, error) {
	lo, hi, ok := aboveRange(m)
	if !ok {
		return false, nil
	}
	for _, armed := range []bool{true, false} {
		subs, err := s.alertRange(ctx, AlertIndexPK(orgID, armed), lo, hi, 1)
		if err != nil {
			return false, err
		}
		if len(subs) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// aboveRange is the gsi2sk range of thresholds > m.Amount in m's currency.
func aboveRange(m billing.Money) (lo, hi string, ok bool) {
	if m.Amount >= billing.MaxThreshold {
		return "", "", false
	}
	from := max(m.Amount+1, 0)
	return fmt.Sprintf("%s#%019d#", m.Currency, from), m.Currency + "#~", true
}

func (s *Store) alertRange(ctx context.Context, pk, lo, hi string, limit int32) ([]billing.Subscription, error) {
	in := &dynamodb.QueryInput{
		TableName: &s.Table, IndexName: aws.String(store.GSI2.Name),
		KeyConditionExpression:    aws.String("gsi2pk = :p AND gsi2sk BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: store.Item{":p": store.S(pk), ":lo": store.S(lo), ":hi": store.S(hi)},
	}
	var items []store.Item
	if limit > 0 {
		in.Limit = aws.Int32(limit)
		out, err := s.DB.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("query billing alerts: %w", err)
		}
		items = out.Items
	} else {
		var err error
		if items, err = s.QueryAll(ctx, in); err != nil {
			return nil, err
		}
	}
	subs := make([]billing.Subscription, 0, len(items))
	for _, item := range items {
		var it alertItem
		if err := store.Unmarshal(item, &it); err != nil {
			return nil, err
		}
		subs = append(subs, it.subscription())
	}
	return subs, nil
}

func (s *Store) updateAlert(ctx context.Context, orgID, userID, update, cond string, names map[string]string, vals store.Item) (bool, error) {
	in := &dynamodb.UpdateItemInput{
		TableName: &s.Table, Key: store.Key(store.OrgPK(orgID), AlertSK(userID)),
		UpdateExpression: aws.String(update), ConditionExpression: aws.String(cond),
		ExpressionAttributeValues: vals,
	}
	if len(names) > 0 {
		in.ExpressionAttributeNames = names
	}
	_, err := s.DB.UpdateItem(ctx, in)
	if store.IsConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("update billing alert: %w", err)
	}
	return true, nil
}

var boolTrue, boolFalse = &ddbtypes.AttributeValueMemberBOOL{Value: true}, &ddbtypes.AttributeValueMemberBOOL{Value: false}

// ClaimAlert takes a lease on an armed alert (see billing.Store).
func (s *Store) ClaimAlert(ctx context.Context, orgID, userID string, rule int64, leaseID string, now, leaseUntil time.Time) (bool, error) {
	return s.updateAlert(ctx, orgID, userID,
		"SET leaseId = :l, leaseUntil = :until",
		"armed = :t AND enabled = :t AND #rule = :r AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)",
		map[string]string{"#rule": "rule"},
		store.Item{":l": store.S(leaseID), ":until": store.N(leaseUntil.UnixMilli()), ":t": boolTrue, ":r": store.N(rule), ":now": store.N(now.UnixMilli())})
}

// DisarmAlert ends a crossing for the lease holder.
func (s *Store) DisarmAlert(ctx context.Context, orgID, userID, leaseID string) (bool, error) {
	return s.updateAlert(ctx, orgID, userID,
		"SET armed = :f, gsi2pk = :g REMOVE leaseId, leaseUntil, sent",
		"leaseId = :l AND enabled = :t",
		nil,
		store.Item{":f": boolFalse, ":t": boolTrue, ":g": store.S(AlertIndexPK(orgID, false)), ":l": store.S(leaseID)})
}

// ReleaseAlert gives a lease back, recording the channels already sent.
func (s *Store) ReleaseAlert(ctx context.Context, orgID, userID, leaseID string, sent []string) (bool, error) {
	if sent == nil {
		sent = []string{}
	}
	return s.updateAlert(ctx, orgID, userID,
		"SET sent = :s REMOVE leaseId, leaseUntil",
		"leaseId = :l",
		nil,
		store.Item{":s": listS(sent), ":l": store.S(leaseID)})
}

// RearmAlert arms a fired alert again.
func (s *Store) RearmAlert(ctx context.Context, orgID, userID string, rule int64) (bool, error) {
	return s.updateAlert(ctx, orgID, userID,
		"SET armed = :t, gsi2pk = :g REMOVE sent",
		"armed = :f AND enabled = :t AND #rule = :r",
		map[string]string{"#rule": "rule"},
		store.Item{":t": boolTrue, ":f": boolFalse, ":g": store.S(AlertIndexPK(orgID, true)), ":r": store.N(rule)})
}

// DisableAlert turns an alert off and takes it out of the index.
func (s *Store) DisableAlert(ctx context.Context, orgID, userID string) error {
	_, err := s.updateAlert(ctx, orgID, userID,
		"SET enabled = :f ADD version :one, #rule :one REMOVE gsi2pk, gsi2sk, leaseId, leaseUntil, sent",
		"attribute_exists(pk)",
		map[string]string{"#rule": "rule"},
		store.Item{":f": boolFalse, ":one": store.N(1)})
	return err
}
