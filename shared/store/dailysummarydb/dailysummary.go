package dailysummarydb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/dailysummary"
	"github.com/example/myprofile/shared/prefs"
	"github.com/example/myprofile/shared/store"
)

// activityRetention keeps an activity (and a cancellation's tombstone,
// which makes late older events harmless) this long after it ends.
const activityRetention = 90 * 24 * time.Hour

var _ dailysummary.Store = (*Store)(nil)

// DueShardPK is the gsi1 partition of one shard of the daily summary index.
func DueShardPK(shard int) string { return store.PrefixDue + strconv.Itoa(shard) }

// ActivitySK is an activity's sort key under its user.
func ActivitySK(activityID string) string { return store.PrefixActivity + activityID }

// ActivitiesPK is the gsi2 partition of a user's live activities.
func ActivitiesPK(uid string) string { return store.PrefixActivities + uid }

func startKey(t time.Time) string { return dailysummary.DueKey(t) }

type digestItem struct {
	UserID        string `dynamodbav:"userId"`
	Due           int64  `dynamodbav:"due"`
	Day           string `dynamodbav:"day"`
	Timezone      string `dynamodbav:"timezone"`
	Time          string `dynamodbav:"time"`
	SentThrough   string `dynamodbav:"sentThrough"`
	SourceVersion int64  `dynamodbav:"sourceVersion"`
	GSI1PK        string `dynamodbav:"gsi1pk"`
}

func (it digestItem) entry() dailysummary.Entry {
	e := dailysummary.Entry{
		UserID: it.UserID, Day: dailysummary.Day(it.Day), Timezone: it.Timezone, Time: it.Time,
		SentThrough: dailysummary.Day(it.SentThrough), SourceVersion: it.SourceVersion,
	}
	if it.GSI1PK != "" {
		e.Due = time.Unix(it.Due, 0).UTC()
	}
	return e
}

// ScheduleDigest implements dailysummary.Store.
func (s *Store) ScheduleDigest(ctx context.Context, e dailysummary.Entry) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Table,
		Key:       store.Key(store.UserPK(e.UserID), store.SKDigest),
		UpdateExpression: aws.String("SET gsi1pk = :pk, gsi1sk = :sk, userId = :uid, #due = :due, #day = :day, " +
			"#tz = :tz, #time = :time, sourceVersion = :v, #enabled = :on"),
		ConditionExpression:      aws.String("attribute_not_exists(pk) OR sourceVersion < :v"),
		ExpressionAttributeNames: map[string]string{"#day": "day", "#time": "time", "#tz": "timezone", "#due": "due", "#enabled": "enabled"},
		ExpressionAttributeValues: store.Item{
			":pk": store.S(DueShardPK(dailysummary.ShardOf(e.UserID))), ":sk": store.S(e.SortKey()), ":uid": store.S(e.UserID),
			":due": store.N(e.Due.Unix()), ":day": store.S(string(e.Day)), ":tz": store.S(e.Timezone), ":time": store.S(e.Time),
			":v": store.N(e.SourceVersion), ":on": &ddbtypes.AttributeValueMemberBOOL{Value: true},
		},
	})
	if err != nil && !store.IsConditionFailed(err) {
		return fmt.Errorf("put digest schedule: %w", err)
	}
	return nil
}

// UnscheduleDigest implements dailysummary.Store.
func (s *Store) UnscheduleDigest(ctx context.Context, userID string, sourceVersion int64) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.Table,
		Key:                      store.Key(store.UserPK(userID), store.SKDigest),
		UpdateExpression:         aws.String("REMOVE gsi1pk, gsi1sk SET userId = :uid, sourceVersion = :v, #enabled = :off"),
		ConditionExpression:      aws.String("attribute_not_exists(pk) OR sourceVersion < :v"),
		ExpressionAttributeNames: map[string]string{"#enabled": "enabled"},
		ExpressionAttributeValues: store.Item{
			":uid": store.S(userID), ":v": store.N(sourceVersion), ":off": &ddbtypes.AttributeValueMemberBOOL{Value: false},
		},
	})
	if err != nil && !store.IsConditionFailed(err) {
		return fmt.Errorf("remove digest schedule: %w", err)
	}
	return nil
}

// DeleteDigest implements dailysummary.Store: an unconditional delete, so a run
// that read the entry just before the account was deleted cannot leave an
// item holding the user id behind.
func (s *Store) DeleteDigest(ctx context.Context, userID string) error {
	_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &s.Table, Key: store.Key(store.UserPK(userID), store.SKDigest),
	})
	if err != nil {
		return fmt.Errorf("delete digest schedule: %w", err)
	}
	return nil
}

// DigestSchedule implements dailysummary.Store.
func (s *Store) DigestSchedule(ctx context.Context, userID string) (dailysummary.Entry, error) {
	var it digestItem
	if err := s.Get(ctx, store.Key(store.UserPK(userID), store.SKDigest), &it, "digest schedule"); err != nil {
		return dailysummary.Entry{}, err
	}
	return it.entry(), nil
}

// DueDigests implements dailysummary.Store: one Query page of a shard of gsi1.
func (s *Store) DueDigests(ctx context.Context, shard int, before time.Time, cursor string, limit int) ([]dailysummary.Entry, string, int, error) {
	in := &dynamodb.QueryInput{
		TableName:              &s.Table,
		IndexName:              aws.String(store.GSI1.Name),
		KeyConditionExpression: aws.String("gsi1pk = :pk AND gsi1sk < :before"),
		ExpressionAttributeValues: store.Item{
			":pk": store.S(DueShardPK(shard)), ":before": store.S(dailysummary.DueKey(before)),
		},
		Limit: aws.Int32(int32(limit)),
	}
	if cursor != "" {
		var k map[string]string
		if err := json.Unmarshal([]byte(cursor), &k); err != nil {
			return nil, "", 0, fmt.Errorf("due page cursor: %w", err)
		}
		in.ExclusiveStartKey = store.Item{}
		for name, v := range k {
			in.ExclusiveStartKey[name] = store.S(v)
		}
	}
	out, err := s.DB.Query(ctx, in)
	if err != nil {
		return nil, "", 0, fmt.Errorf("query due shard %d: %w", shard, err)
	}
	entries := make([]dailysummary.Entry, 0, len(out.Items))
	for _, it := range out.Items {
		var d digestItem
		if err := store.Unmarshal(it, &d); err != nil {
			return nil, "", int(out.ScannedCount), err
		}
		entries = append(entries, d.entry())
	}
	next := ""
	if len(out.LastEvaluatedKey) > 0 {
		k := map[string]string{}
		for name, v := range out.LastEvaluatedKey {
			sv, ok := v.(*ddbtypes.AttributeValueMemberS)
			if !ok {
				return nil, "", int(out.ScannedCount), errors.New("due page: non-string key attribute")
			}
			k[name] = sv.Value
		}
		b, err := json.Marshal(k)
		if err != nil {
			return nil, "", int(out.ScannedCount), fmt.Errorf("due page cursor: %w", err)
		}
		next = string(b)
	}
	return entries, next, int(out.ScannedCount), nil
}

// ClaimDigest implements dailysummary.Store.
func (s *Store) ClaimDigest(ctx context.Context, from, to dailysummary.Entry) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.Table,
		Key:                      store.Key(store.UserPK(from.UserID), store.SKDigest),
		UpdateExpression:         aws.String("SET gsi1sk = :to, #due = :due, #day = :nday, sentThrough = :day, pendingDay = :day"),
		ConditionExpression:      aws.String("gsi1sk = :from AND (attribute_not_exists(sentThrough) OR sentThrough < :day)"),
		ExpressionAttributeNames: map[string]string{"#day": "day", "#due": "due"},
		ExpressionAttributeValues: store.Item{
			":from": store.S(from.SortKey()), ":to": store.S(to.SortKey()), ":due": store.N(to.Due.Unix()),
			":nday": store.S(string(to.Day)), ":day": store.S(string(from.Day)),
		},
	})
	if store.IsConditionFailed(err) {
		return dailysummary.ErrLost
	}
	if err != nil {
		return fmt.Errorf("claim digest day: %w", err)
	}
	return nil
}

// ReleaseDigest implements dailysummary.Store.
func (s *Store) ReleaseDigest(ctx context.Context, from, to dailysummary.Entry) error {
	update := "SET gsi1sk = :from, #due = :due, #day = :day REMOVE sentThrough, pendingDay"
	vals := store.Item{
		":from": store.S(from.SortKey()), ":to": store.S(to.SortKey()), ":due": store.N(from.Due.Unix()), ":day": store.S(string(from.Day)),
	}
	if from.SentThrough != "" {
		update = "SET gsi1sk = :from, #due = :due, #day = :day, sentThrough = :prev REMOVE pendingDay"
		vals[":prev"] = store.S(string(from.SentThrough))
	}
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       store.Key(store.UserPK(from.UserID), store.SKDigest),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("gsi1sk = :to AND sentThrough = :day"),
		ExpressionAttributeNames:  map[string]string{"#day": "day", "#due": "due"},
		ExpressionAttributeValues: vals,
	})
	if store.IsConditionFailed(err) {
		return dailysummary.ErrLost
	}
	if err != nil {
		return fmt.Errorf("release digest day: %w", err)
	}
	return nil
}

// TakeDigest implements dailysummary.Store: the pending mark a claim left is
// removed once, so one delivery of a queued claim sends it.
func (s *Store) TakeDigest(ctx context.Context, userID string, day dailysummary.Day) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           &s.Table,
		Key:                                 store.Key(store.UserPK(userID), store.SKDigest),
		UpdateExpression:                    aws.String("REMOVE pendingDay"),
		ConditionExpression:                 aws.String("pendingDay = :day AND sentThrough = :day"),
		ExpressionAttributeValues:           store.Item{":day": store.S(string(day))},
		ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, failed := store.ConditionFailed(err); failed {
		// A later day claimed while this one was still pending: dropped.
		if v, ok := old["sentThrough"].(*ddbtypes.AttributeValueMemberS); ok && v.Value > string(day) {
			return dailysummary.ErrReplaced
		}
		return dailysummary.ErrLost
	}
	if err != nil {
		return fmt.Errorf("take digest day: %w", err)
	}
	return nil
}

// ReturnDigest implements dailysummary.Store.
func (s *Store) ReturnDigest(ctx context.Context, userID string, day dailysummary.Day) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       store.Key(store.UserPK(userID), store.SKDigest),
		UpdateExpression:          aws.String("SET pendingDay = :day"),
		ConditionExpression:       aws.String("attribute_not_exists(pendingDay) AND sentThrough = :day"),
		ExpressionAttributeValues: store.Item{":day": store.S(string(day))},
	})
	if store.IsConditionFailed(err) {
		return dailysummary.ErrLost
	}
	if err != nil {
		return fmt.Errorf("return digest day: %w", err)
	}
	return nil
}

// SkipDigest implements dailysummary.Store.
func (s *Store) SkipDigest(ctx context.Context, from, to dailysummary.Entry) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.Table,
		Key:                      store.Key(store.UserPK(from.UserID), store.SKDigest),
		UpdateExpression:         aws.String("SET gsi1sk = :to, #due = :due, #day = :nday"),
		ConditionExpression:      aws.String("gsi1sk = :from"),
		ExpressionAttributeNames: map[string]string{"#day": "day", "#due": "due"},
		ExpressionAttributeValues: store.Item{
			":from": store.S(from.SortKey()), ":to": store.S(to.SortKey()), ":due": store.N(to.Due.Unix()), ":nday": store.S(string(to.Day)),
		},
	})
	if store.IsConditionFailed(err) {
		return dailysummary.ErrLost
	}
	if err != nil {
		return fmt.Errorf("skip digest day: %w", err)
	}
	return nil
}

// DigestInputs implements dailysummary.Store: one strongly consistent Query
// on the user's partition, over the sort keys from ACTIVITY# to PROFILE
// (activities, notification preferences and the user record sort in that
// range), filtered on the server to the user record, the preferences and
// the activities that start in [from, to) and are not cancelled (only those
// carry gsi2sk). It is one request (more only past 1 MB of the range: the
// filter saves transfer, not read capacity, so the user's other items in the
// range, audit entries and the like, are read and charged too).
func (s *Store) DigestInputs(ctx context.Context, userID string, from, to time.Time) (dailysummary.Inputs, error) {
	lo, hi := startKey(from), startKey(to.Add(-time.Second))+"$"
	if !to.After(from) {
		hi = "" // no activity matches
	}
	items, err := s.QueryAll(ctx, &dynamodb.QueryInput{
		TableName:              &s.Table,
		ConsistentRead:         aws.Bool(true),
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :first AND :last"),
		// A filter cannot name the sort key: the user record is the item
		// with dailySummary, the preferences the one with prefs, a live
		// activity one in the user's gsi2 partition.
		FilterExpression: aws.String("attribute_exists(dailySummary) OR attribute_exists(prefs) OR (gsi2pk = :acts AND gsi2sk BETWEEN :from AND :to)"),
		ExpressionAttributeValues: store.Item{
			":pk": store.S(store.UserPK(userID)), ":first": store.S(store.PrefixActivity), ":last": store.S(store.SKProfile),
			":acts": store.S(ActivitiesPK(userID)), ":from": store.S(lo), ":to": store.S(hi),
		},
	})
	if err != nil {
		return dailysummary.Inputs{}, fmt.Errorf("digest inputs: %w", err)
	}
	var in dailysummary.Inputs
	found := false
	for _, it := range items {
		sk, _ := it[store.AttrSK].(*ddbtypes.AttributeValueMemberS)
		if sk == nil {
			continue
		}
		switch {
		case sk.Value == store.SKProfile:
			if err := store.Unmarshal(it, &in.User); err != nil {
				return dailysummary.Inputs{}, err
			}
			found = true
		case sk.Value == store.SKNotificationPrefs:
			var p struct {
				Prefs prefs.Preferences `dynamodbav:"prefs"`
			}
			if err := store.Unmarshal(it, &p); err != nil {
				return dailysummary.Inputs{}, err
			}
			in.Prefs = prefs.Normalize(p.Prefs)
		case strings.HasPrefix(sk.Value, store.PrefixActivity):
			var a dailysummary.Activity
			if err := store.Unmarshal(it, &a); err != nil {
				return dailysummary.Inputs{}, err
			}
			if a.Cancelled || a.Start.Before(from) || !a.Start.Before(to) {
				continue
			}
			in.Activities = append(in.Activities, a)
		}
	}
	if !found {
		return dailysummary.Inputs{}, account.ErrNotFound
	}
	if in.Prefs == nil {
		in.Prefs = prefs.Defaults()
	}
	// The range is in activity id order; the summary lists by start.
	sort.SliceStable(in.Activities, func(i, j int) bool {
		a, b := in.Activities[i], in.Activities[j]
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		return a.ID < b.ID
	})
	return in, nil
}

// ActivitiesBetween implements dailysummary.Store: one user's live activities starting
// in [from, to), from gsi2 in start order.
func (s *Store) ActivitiesBetween(ctx context.Context, userID string, from, to time.Time) ([]dailysummary.Activity, error) {
	if !to.After(from) {
		return nil, nil
	}
	items, err := s.QueryAll(ctx, &dynamodb.QueryInput{
		TableName:              &s.Table,
		IndexName:              aws.String(store.GSI2.Name),
		KeyConditionExpression: aws.String("gsi2pk = :pk AND gsi2sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: store.Item{
			":pk": store.S(ActivitiesPK(userID)), ":from": store.S(startKey(from)),
			// '$' sorts after '#': every key of the last second is included.
			":to": store.S(startKey(to.Add(-time.Second)) + "$"),
		},
	})
	if err != nil {
		return nil, err
	}
	out := make([]dailysummary.Activity, 0, len(items))
	for _, it := range items {
		var a dailysummary.Activity
		if err := store.Unmarshal(it, &a); err != nil {
			return nil, err
		}
		if a.Cancelled || a.Start.Before(from) || !a.Start.Before(to) {
			continue
		}
		out = append(out, a)
	}
	return out, nil
}

// PutActivity implements dailysummary.Store: a conditional put on the version, so
// redelivered or out-of-order events never overwrite a newer version. A
// cancellation is a tombstone (kept, with its version, out of gsi2). The
// same transaction checks that the user exists, so an event for an unknown
// or deleted account writes nothing (no orphan item after deletion).
func (s *Store) PutActivity(ctx context.Context, a dailysummary.Activity) (bool, error) {
	it, err := store.Marshal(store.UserPK(a.UserID), ActivitySK(a.ID), a)
	if err != nil {
		return false, err
	}
	last := a.UpdatedAt
	for _, t := range []time.Time{a.Start, a.End} {
		if t.After(last) {
			last = t
		}
	}
	it[store.AttrTTL] = store.TTL(last.Add(activityRetention))
	if !a.Cancelled {
		it[store.AttrGSI2PK] = store.S(ActivitiesPK(a.UserID))
		it[store.AttrGSI2SK] = store.S(startKey(a.Start) + "#" + a.ID)
	}
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
		{ConditionCheck: &ddbtypes.ConditionCheck{
			TableName: &s.Table, Key: store.Key(store.UserPK(a.UserID), store.SKProfile),
			ConditionExpression: aws.String("attribute_exists(pk)"),
		}},
		{Put: &ddbtypes.Put{
			TableName:                 &s.Table,
			Item:                      it,
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR version < :v"),
			ExpressionAttributeValues: store.Item{":v": store.N(a.Version)},
		}},
	}})
	if r := store.CancelReasons(err); len(r) == 2 && (r[0] == "ConditionalCheckFailed" || r[1] == "ConditionalCheckFailed") {
		return false, nil // no such user, or a newer version is stored
	}
	if err != nil {
		return false, fmt.Errorf("put activity: %w", err)
	}
	return true, nil
}
