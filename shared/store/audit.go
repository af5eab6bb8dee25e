package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/audit"
)

var _ audit.Store = (*Store)(nil)

// auditTimeFormat is fixed-width so sort keys order by time.
const auditTimeFormat = "2006-01-02T15:04:05.000000000Z"

type auditRecord struct {
	ID        string            `dynamodbav:"id"`
	Actor     string            `dynamodbav:"actor"`
	Subject   string            `dynamodbav:"subject"`
	OrgID     string            `dynamodbav:"orgId,omitempty"`
	Action    string            `dynamodbav:"action"`
	At        time.Time         `dynamodbav:"at"`
	RequestID string            `dynamodbav:"requestId,omitempty"`
	IP        string            `dynamodbav:"ipAddress,omitempty"`
	Details   map[string]string `dynamodbav:"details,omitempty"`
}

func auditSortKey(e audit.Entry) string {
	return e.At.UTC().Format(auditTimeFormat) + "#" + e.ID
}

// auditItem is an entry stored under partition pk.
func auditItem(pk string, e audit.Entry) (Item, error) {
	it, err := Marshal(pk, PrefixAudit+auditSortKey(e), auditRecord(e))
	if err != nil {
		return nil, err
	}
	if e.OrgID != "" {
		it[AttrGSI1PK] = S(PrefixAuditOrg + e.OrgID)
		it[AttrGSI1SK] = S(auditSortKey(e))
	}
	it[AttrGSI2PK] = S(PrefixAuditActor + e.Actor)
	it[AttrGSI2SK] = S(auditSortKey(e))
	return it, nil
}

func auditFrom(it Item) (audit.Entry, error) {
	var r auditRecord
	if err := Unmarshal(it, &r); err != nil {
		return audit.Entry{}, err
	}
	return audit.Entry(r), nil
}

// AppendAudit stores a new entry under its subject's partition.
func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) error {
	it, err := auditItem(UserPK(e.Subject), e)
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

// ListUserAudit lists the entries about userID, newest first.
func (s *Store) ListUserAudit(ctx context.Context, userID, cursor string, limit int) (audit.Page, error) {
	in := &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :sk)"),
		ExpressionAttributeValues: Item{":pk": S(UserPK(userID)), ":sk": S(PrefixAudit)},
		ScanIndexForward:          aws.Bool(false),
		ConsistentRead:            aws.Bool(true),
	}
	return s.auditPage(ctx, in, cursor, limit, map[string]string{AttrPK: UserPK(userID)}, PrefixAudit)
}

// ListOrgAudit lists the entries recorded in an organization, newest first.
func (s *Store) ListOrgAudit(ctx context.Context, orgID, cursor string, limit int) (audit.Page, error) {
	in := &dynamodb.QueryInput{
		TableName:                 &s.Table,
		IndexName:                 aws.String(GSI1.Name),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: Item{":pk": S(PrefixAuditOrg + orgID)},
		ScanIndexForward:          aws.Bool(false),
	}
	return s.auditPage(ctx, in, cursor, limit, map[string]string{AttrGSI1PK: PrefixAuditOrg + orgID}, "")
}

func (s *Store) auditPage(ctx context.Context, in *dynamodb.QueryInput, cursor string, limit int, fixed map[string]string, skPrefix string) (audit.Page, error) {
	start, err := DecodeCursor(cursor, fixed)
	if err != nil {
		return audit.Page{}, audit.ErrBadCursor
	}
	if start != nil && skPrefix != "" {
		if sk, _ := start[AttrSK].(*ddbtypes.AttributeValueMemberS); sk == nil || !strings.HasPrefix(sk.Value, skPrefix) {
			return audit.Page{}, audit.ErrBadCursor
		}
	}
	in.ExclusiveStartKey = start
	in.Limit = aws.Int32(int32(limit))
	out, err := s.DB.Query(ctx, in)
	if err != nil {
		return audit.Page{}, fmt.Errorf("list audit: %w", err)
	}
	page := audit.Page{Entries: make([]audit.Entry, 0, len(out.Items))}
	for _, it := range out.Items {
		e, err := auditFrom(it)
		if err != nil {
			return audit.Page{}, err
		}
		page.Entries = append(page.Entries, e)
	}
	if len(out.LastEvaluatedKey) > 0 {
		page.Next = EncodeCursor(out.LastEvaluatedKey)
	}
	return page, nil
}

// AnonymizeAudit keeps the entries that name userID for compliance but
// replaces the id with pseudonym and drops the personal fields. Entries
// about the user move out of the user's partition to AUDITANON#<pseudonym>
// without client IP or details (masked addresses and numbers); entries the
// user authored about others are rewritten in place without the client IP,
// keeping their details. It is idempotent: a run that stopped half-way is
// finished by the next one.
func (s *Store) AnonymizeAudit(ctx context.Context, userID, pseudonym string) error {
	items, err := s.QueryAll(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :sk)"),
		ExpressionAttributeValues: Item{":pk": S(UserPK(userID)), ":sk": S(PrefixAudit)},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return err
	}
	var reqs []ddbtypes.WriteRequest
	for _, it := range items {
		e, err := auditFrom(it)
		if err != nil {
			return err
		}
		anon, err := auditItem(PrefixAuditAnon+pseudonym, anonymize(e, userID, pseudonym))
		if err != nil {
			return err
		}
		reqs = append(reqs,
			ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: anon}},
			ddbtypes.WriteRequest{DeleteRequest: &ddbtypes.DeleteRequest{Key: Key(UserPK(userID), it[AttrSK].(*ddbtypes.AttributeValueMemberS).Value)}},
		)
	}
	if err := s.batchWrite(ctx, reqs); err != nil {
		return fmt.Errorf("anonymize audit: %w", err)
	}
	// Entries the user authored about other users (the actor index is
	// eventually consistent; a later run catches stragglers).
	authored, err := s.QueryAll(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		IndexName:                 aws.String(GSI2.Name),
		KeyConditionExpression:    aws.String("gsi2pk = :pk"),
		ExpressionAttributeValues: Item{":pk": S(PrefixAuditActor + userID)},
	})
	if err != nil {
		return err
	}
	for _, it := range authored {
		_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.Table,
			Key:       Item{AttrPK: it[AttrPK], AttrSK: it[AttrSK]},
			// The actor's IP is theirs; the details describe what was done
			// to the subject (a role's from/to, the fields edited) and stay.
			UpdateExpression:          aws.String("SET actor = :p, gsi2pk = :g REMOVE ipAddress"),
			ConditionExpression:       aws.String("attribute_exists(pk) AND actor = :uid"),
			ExpressionAttributeValues: Item{":p": S(pseudonym), ":g": S(PrefixAuditActor + pseudonym), ":uid": S(userID)},
		})
		if err != nil && !IsConditionFailed(err) {
			return fmt.Errorf("anonymize authored audit entry: %w", err)
		}
	}
	return nil
}

func anonymize(e audit.Entry, userID, pseudonym string) audit.Entry {
	if e.Actor == userID {
		e.Actor = pseudonym
	}
	if e.Subject == userID {
		e.Subject = pseudonym
	}
	e.IP = ""
	e.Details = nil
	return e
}

// batchWrite sends write requests 25 at a time, retrying unprocessed ones.
func (s *Store) batchWrite(ctx context.Context, reqs []ddbtypes.WriteRequest) error {
	for start := 0; start < len(reqs); start += 25 {
		end := min(start+25, len(reqs))
		pending := map[string][]ddbtypes.WriteRequest{s.Table: reqs[start:end]}
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt > 8 {
				return errors.New("batch write: unprocessed items remain")
			}
			if attempt > 0 {
				time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
			}
			out, err := s.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return fmt.Errorf("batch write: %w", err)
			}
			pending = out.UnprocessedItems
		}
	}
	return nil
}

// EncodeCursor makes an opaque page cursor of a LastEvaluatedKey (string
// attributes only: every key of the table is a string).
func EncodeCursor(k Item) string {
	m := map[string]string{}
	for name, v := range k {
		if sv, ok := v.(*ddbtypes.AttributeValueMemberS); ok {
			m[name] = sv.Value
		}
	}
	raw, _ := json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(raw)
}

// DecodeCursor reads a cursor back; the attributes in fixed must have the
// given values (a cursor cannot move a query to another partition) and
// only key attributes are accepted. "" is the first page (nil).
func DecodeCursor(c string, fixed map[string]string) (Item, error) {
	if c == "" {
		return nil, nil
	}
	if len(c) > 2048 {
		return nil, errors.New("cursor too long")
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, fmt.Errorf("cursor: %w", err)
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("cursor: %w", err)
	}
	allowed := map[string]bool{AttrPK: true, AttrSK: true, AttrGSI1PK: true, AttrGSI1SK: true, AttrGSI2PK: true, AttrGSI2SK: true}
	out := Item{}
	for name, v := range m {
		if !allowed[name] {
			return nil, errors.New("cursor: unexpected attribute")
		}
		out[name] = S(v)
	}
	for name, want := range fixed {
		if m[name] != want {
			return nil, errors.New("cursor: other partition")
		}
	}
	if m[AttrPK] == "" || m[AttrSK] == "" {
		return nil, errors.New("cursor: incomplete")
	}
	return out, nil
}
