package orgdb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/events"
	"github.com/example/myprofile/shared/org"
	"github.com/example/myprofile/shared/sessions"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/eventsdb"
)

var _ org.Store = (*Store)(nil)

type inviteItem struct {
	ID        string    `dynamodbav:"id"`
	Email     string    `dynamodbav:"email"`
	FirstName string    `dynamodbav:"firstName"`
	LastName  string    `dynamodbav:"lastName"`
	Language  string    `dynamodbav:"language"`
	OrgID     string    `dynamodbav:"orgId"`
	Role      string    `dynamodbav:"role"`
	TokenHash string    `dynamodbav:"tokenHash"`
	ExpiresAt time.Time `dynamodbav:"expiresAt"`
	InvitedBy string    `dynamodbav:"invitedBy"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
}

// orgRevUpdate bumps the roster revision of an organization if it is still
// rev (absent counts as 0) and the organization exists.
func (s *Store) orgRevUpdate(orgID string, rev int64) *ddbtypes.Update {
	cond := "attribute_exists(pk) AND #rev = :rev"
	if rev == 0 {
		cond = "attribute_exists(pk) AND (attribute_not_exists(#rev) OR #rev = :rev)"
	}
	return &ddbtypes.Update{
		TableName:                 &s.Table,
		Key:                       store.Key(store.OrgPK(orgID), store.SKOrg),
		UpdateExpression:          aws.String("SET #rev = :next"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#rev": store.AttrRev},
		ExpressionAttributeValues: store.Item{":rev": store.N(rev), ":next": store.N(rev + 1)},
	}
}

// GetRoster reads the organization item and its members in one query.
func (s *Store) GetRoster(ctx context.Context, orgID string) (org.Roster, error) {
	items, err := s.QueryAll(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: store.Item{":pk": store.S(store.OrgPK(orgID))},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return org.Roster{}, err
	}
	var r org.Roster
	found := false
	for _, it := range items {
		sk := it[store.AttrSK].(*ddbtypes.AttributeValueMemberS).Value
		switch {
		case sk == store.SKOrg:
			found = true
			if err := store.Unmarshal(it, &r.Org); err != nil {
				return org.Roster{}, err
			}
			if n, ok := it[store.AttrRev].(*ddbtypes.AttributeValueMemberN); ok {
				r.Rev, _ = strconv.ParseInt(n.Value, 10, 64)
			}
		case strings.HasPrefix(sk, store.PrefixMember):
			var m account.Member
			if err := store.Unmarshal(it, &m); err != nil {
				return org.Roster{}, err
			}
			r.Members = append(r.Members, m)
		}
	}
	if !found {
		return org.Roster{}, account.ErrNotFound
	}
	return r, nil
}

// ListMembers lists one page of an organization's members.
func (s *Store) ListMembers(ctx context.Context, orgID, cursor string, limit int) ([]account.Member, string, error) {
	start, err := store.DecodeCursor(cursor, map[string]string{store.AttrPK: store.OrgPK(orgID)})
	if err == nil && start != nil && !strings.HasPrefix(start[store.AttrSK].(*ddbtypes.AttributeValueMemberS).Value, store.PrefixMember) {
		err = errors.New("cursor: other sort key")
	}
	if err != nil {
		return nil, "", org.ErrBadCursor
	}
	out, err := s.DB.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :sk)"),
		ExpressionAttributeValues: store.Item{":pk": store.S(store.OrgPK(orgID)), ":sk": store.S(store.PrefixMember)},
		ConsistentRead:            aws.Bool(true),
		ExclusiveStartKey:         start,
		Limit:                     aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list members: %w", err)
	}
	ms := make([]account.Member, 0, len(out.Items))
	for _, it := range out.Items {
		var m account.Member
		if err := store.Unmarshal(it, &m); err != nil {
			return nil, "", err
		}
		ms = append(ms, m)
	}
	next := ""
	if len(out.LastEvaluatedKey) > 0 {
		next = store.EncodeCursor(out.LastEvaluatedKey)
	}
	return ms, next, nil
}

// GetUsers reads up to 100 user records (strongly consistent).
func (s *Store) GetUsers(ctx context.Context, ids []string) (map[string]account.User, error) {
	out := map[string]account.User{}
	if len(ids) == 0 {
		return out, nil
	}
	if len(ids) > 100 {
		return nil, errors.New("get users: at most 100 at a time")
	}
	seen := map[string]bool{}
	var keys []store.Item
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			keys = append(keys, store.Key(store.UserPK(id), store.SKProfile))
		}
	}
	req := map[string]ddbtypes.KeysAndAttributes{s.Table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt > 8 {
			return nil, errors.New("get users: unprocessed keys remain")
		}
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
		}
		res, err := s.DB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return nil, fmt.Errorf("get users: %w", err)
		}
		for _, it := range res.Responses[s.Table] {
			var u account.User
			if err := store.Unmarshal(it, &u); err != nil {
				return nil, err
			}
			out[u.ID] = u
		}
		req = res.UnprocessedKeys
	}
	return out, nil
}

func memberItem(u account.User, orgID string) (store.Item, error) {
	m := u.Orgs[orgID]
	return store.Marshal(store.OrgPK(orgID), store.MemberSK(u.ID), account.Member{OrgID: orgID, UserID: u.ID, Role: m.Role, JoinedAt: m.JoinedAt})
}

// withEvents adds the outbox puts of evs to a transaction's items, so the
// events are recorded if and only if the change commits.
func (s *Store) withEvents(items []ddbtypes.TransactWriteItem, evs []events.Event) ([]ddbtypes.TransactWriteItem, error) {
	if len(evs) == 0 {
		return items, nil
	}
	if len(items)+len(evs) > eventsdb.MaxTransactItems {
		return nil, fmt.Errorf("transaction: %d items and %d events is more than %d", len(items), len(evs), eventsdb.MaxTransactItems)
	}
	puts, err := eventsdb.TransactPuts(s.Table, evs)
	if err != nil {
		return nil, err
	}
	return append(items, puts...), nil
}

// membershipErr maps a cancelled membership transaction to the domain error.
func membershipErr(op string, err error) error {
	if r := store.CancelReasons(err); len(r) > 0 {
		for _, c := range r {
			if c == "ConditionalCheckFailed" || c == "TransactionConflict" {
				return account.ErrConflict
			}
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// PutMembership writes the user and their member item, bumping the roster.
func (s *Store) PutMembership(ctx context.Context, u account.User, expectVersion int64, orgID string, orgRev int64, evs ...events.Event) error {
	if _, ok := u.Orgs[orgID]; !ok {
		return fmt.Errorf("put membership: user has no membership in %s", orgID)
	}
	userPut, err := s.UserPut(u, expectVersion)
	if err != nil {
		return err
	}
	mi, err := memberItem(u, orgID)
	if err != nil {
		return err
	}
	items, err := s.withEvents([]ddbtypes.TransactWriteItem{
		{Put: userPut},
		{Put: &ddbtypes.Put{TableName: &s.Table, Item: mi}},
		{Update: s.orgRevUpdate(orgID, orgRev)},
	}, evs)
	if err != nil {
		return err
	}
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err != nil {
		return membershipErr("put membership", err)
	}
	return nil
}

// RemoveMembership writes the user without the membership and deletes the
// member item and the user's billing alert in the organization.
func (s *Store) RemoveMembership(ctx context.Context, u account.User, expectVersion int64, orgID string, orgRev int64, last bool, evs ...events.Event) error {
	if _, ok := u.Orgs[orgID]; ok {
		return fmt.Errorf("remove membership: user still has a membership in %s", orgID)
	}
	userPut, err := s.UserPut(u, expectVersion)
	if err != nil {
		return err
	}
	items, err := s.withEvents([]ddbtypes.TransactWriteItem{
		{Put: userPut},
		{Delete: &ddbtypes.Delete{TableName: &s.Table, Key: store.Key(store.OrgPK(orgID), store.MemberSK(u.ID))}},
		{Delete: &ddbtypes.Delete{TableName: &s.Table, Key: store.Key(store.OrgPK(orgID), store.PrefixAlert+u.ID)}},
		{Update: s.orgRevUpdate(orgID, orgRev)},
	}, evs)
	if err != nil {
		return err
	}
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err != nil {
		return membershipErr("remove membership", err)
	}
	if !last {
		return nil
	}
	// Nobody is left: the organization's own items go too.
	return s.deleteOrg(ctx, orgID)
}

// UserItems reads the USER#<uid> partition and the ORG#<oid>/ALERT#<uid>
// items, as plain values without key and index attributes.
func (s *Store) UserItems(ctx context.Context, uid string, orgIDs []string) ([]org.StoredItem, error) {
	items, err := s.QueryAll(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: store.Item{":pk": store.S(store.UserPK(uid))},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("user items: %w", err)
	}
	for _, oid := range orgIDs {
		out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table,
			Key: store.Key(store.OrgPK(oid), store.PrefixAlert+uid), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return nil, fmt.Errorf("user items: %w", err)
		}
		if out.Item != nil {
			items = append(items, out.Item)
		}
	}
	res := make([]org.StoredItem, 0, len(items))
	for _, it := range items {
		var attrs map[string]any
		if err := attributevalue.UnmarshalMap(it, &attrs); err != nil {
			return nil, fmt.Errorf("user items: %w", err)
		}
		pk, _ := attrs[store.AttrPK].(string)
		sk, _ := attrs[store.AttrSK].(string)
		for k := range attrs {
			if k == store.AttrPK || k == store.AttrSK || k == store.AttrTTL || strings.HasPrefix(k, "gsi") {
				delete(attrs, k)
			}
		}
		res = append(res, org.StoredItem{PK: pk, SK: sk, Attrs: attrs})
	}
	return res, nil
}

// GetOrgs reads organization items (strongly consistent), 100 at a time.
func (s *Store) GetOrgs(ctx context.Context, ids []string) (map[string]account.Organization, error) {
	out := map[string]account.Organization{}
	seen := map[string]bool{}
	var keys []store.Item
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			keys = append(keys, store.Key(store.OrgPK(id), store.SKOrg))
		}
	}
	for len(keys) > 0 {
		n := min(len(keys), 100)
		req := map[string]ddbtypes.KeysAndAttributes{s.Table: {Keys: keys[:n], ConsistentRead: aws.Bool(true)}}
		keys = keys[n:]
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt > 8 {
				return nil, errors.New("get organizations: unprocessed keys remain")
			}
			if attempt > 0 {
				time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
			}
			res, err := s.DB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("get organizations: %w", err)
			}
			for _, it := range res.Responses[s.Table] {
				var o account.Organization
				if err := store.Unmarshal(it, &o); err != nil {
					return nil, err
				}
				out[o.ID] = o
			}
			req = res.UnprocessedKeys
		}
	}
	return out, nil
}

// LeaveOrganizations writes the user without the organizations and, per
// organization, deletes the member item and the billing alert and bumps
// the roster revision, in one transaction; then deletes the organizations
// left empty.
func (s *Store) LeaveOrganizations(ctx context.Context, u account.User, expectVersion int64, leaving []org.Departure, evs ...events.Event) error {
	if len(leaving) > org.MaxDepartures {
		return fmt.Errorf("leave organizations: %d is more than %d in one transaction", len(leaving), org.MaxDepartures)
	}
	userPut, err := s.UserPut(u, expectVersion)
	if err != nil {
		return err
	}
	items := []ddbtypes.TransactWriteItem{{Put: userPut}}
	for _, d := range leaving {
		if _, ok := u.Orgs[d.OrgID]; ok {
			return fmt.Errorf("leave organizations: user still has a membership in %s", d.OrgID)
		}
		if d.Gone {
			continue
		}
		items = append(items,
			ddbtypes.TransactWriteItem{Delete: &ddbtypes.Delete{TableName: &s.Table, Key: store.Key(store.OrgPK(d.OrgID), store.MemberSK(u.ID))}},
			ddbtypes.TransactWriteItem{Delete: &ddbtypes.Delete{TableName: &s.Table, Key: store.Key(store.OrgPK(d.OrgID), store.PrefixAlert+u.ID)}},
			ddbtypes.TransactWriteItem{Update: s.orgRevUpdate(d.OrgID, d.Rev)},
		)
	}
	items, err = s.withEvents(items, evs)
	if err != nil {
		return err
	}
	if _, err := s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		return membershipErr("leave organizations", err)
	}
	for _, d := range leaving {
		if d.Last && !d.Gone {
			if err := s.deleteOrg(ctx, d.OrgID); err != nil {
				return err
			}
		}
	}
	return nil
}

// deleteOrg deletes every item of an organization nobody belongs to.
func (s *Store) deleteOrg(ctx context.Context, orgID string) error {
	items, err := s.QueryAll(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: store.Item{":pk": store.S(store.OrgPK(orgID))},
		ProjectionExpression:      aws.String("pk, sk"),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return err
	}
	keys := make([]store.Item, 0, len(items))
	for _, it := range items {
		keys = append(keys, store.Item{store.AttrPK: it[store.AttrPK], store.AttrSK: it[store.AttrSK]})
	}
	return s.BatchDelete(ctx, keys)
}

// PutInvitation stores a pending invitation under its own key and its
// listing copy in the organization's partition, together; the ttl removes
// both once expired (readers check expiresAt, as DynamoDB Local does not
// expire items).
func (s *Store) PutInvitation(ctx context.Context, inv org.Invitation) error {
	it, err := store.Marshal(store.InvitePK(inv.ID), store.SKInvite, inviteItem(inv))
	if err != nil {
		return err
	}
	it[store.AttrTTL] = store.TTL(inv.ExpiresAt)
	listed, err := store.Marshal(store.OrgPK(inv.OrgID), store.PrefixInvite+inv.ID, inviteItem(inv))
	if err != nil {
		return err
	}
	listed[store.AttrTTL] = store.TTL(inv.ExpiresAt)
	notExists := aws.String("attribute_not_exists(pk)")
	if _, err := s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
		{Put: &ddbtypes.Put{TableName: &s.Table, Item: it, ConditionExpression: notExists}},
		{Put: &ddbtypes.Put{TableName: &s.Table, Item: listed, ConditionExpression: notExists}},
	}}); err != nil {
		return fmt.Errorf("put invitation: %w", err)
	}
	return nil
}

// ListInvitations lists an organization's pending invitations (the
// listing copies), leaving out those expired at now.
func (s *Store) ListInvitations(ctx context.Context, orgID string, now time.Time) ([]org.Invitation, error) {
	items, err := s.QueryAll(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :sk)"),
		ExpressionAttributeValues: store.Item{":pk": store.S(store.OrgPK(orgID)), ":sk": store.S(store.PrefixInvite)},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	out := make([]org.Invitation, 0, len(items))
	for _, it := range items {
		var inv inviteItem
		if err := store.Unmarshal(it, &inv); err != nil {
			return nil, err
		}
		if now.Before(inv.ExpiresAt) {
			out = append(out, org.Invitation(inv))
		}
	}
	return out, nil
}

// DeleteInvitation deletes a pending invitation of orgID and its listing
// copy together; account.ErrNotFound if it is not (or no longer) there.
func (s *Store) DeleteInvitation(ctx context.Context, orgID, id string) error {
	_, err := s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
		{Delete: &ddbtypes.Delete{TableName: &s.Table, Key: store.Key(store.InvitePK(id), store.SKInvite),
			ConditionExpression:       aws.String("orgId = :oid"),
			ExpressionAttributeValues: store.Item{":oid": store.S(orgID)}}},
		{Delete: s.unlistInvite(orgID, id)},
	}})
	if r := store.CancelReasons(err); len(r) > 0 && r[0] == "ConditionalCheckFailed" {
		return account.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete invitation: %w", err)
	}
	return nil
}

// unlistInvite deletes an invitation's listing copy.
func (s *Store) unlistInvite(orgID, id string) *ddbtypes.Delete {
	return &ddbtypes.Delete{TableName: &s.Table, Key: store.Key(store.OrgPK(orgID), store.PrefixInvite+id)}
}

// GetInvitation reads a pending invitation.
func (s *Store) GetInvitation(ctx context.Context, id string) (org.Invitation, error) {
	var it inviteItem
	if err := s.Get(ctx, store.Key(store.InvitePK(id), store.SKInvite), &it, "invitation"); err != nil {
		return org.Invitation{}, err
	}
	return org.Invitation(it), nil
}

// consumeInvite deletes an invitation only if it is still the one read
// (same token hash) and has not expired: single use.
func (s *Store) consumeInvite(inv org.Invitation, now time.Time) *ddbtypes.Delete {
	return &ddbtypes.Delete{
		TableName:                 &s.Table,
		Key:                       store.Key(store.InvitePK(inv.ID), store.SKInvite),
		ConditionExpression:       aws.String("tokenHash = :h AND #ttl > :now"),
		ExpressionAttributeNames:  map[string]string{"#ttl": store.AttrTTL},
		ExpressionAttributeValues: store.Item{":h": store.S(inv.TokenHash), ":now": store.N(now.Unix())},
	}
}

// AcceptInvitationNew consumes the invitation and creates the account: the
// email's uniqueness item (only if nobody holds it), the user record, the
// password, the member item, the first session and the roster revision in
// one transaction.
func (s *Store) AcceptInvitationNew(ctx context.Context, inv org.Invitation, now time.Time, orgRev int64, u account.User, passwordHash string, sess sessions.Session, evs ...events.Event) error {
	if _, ok := u.Orgs[inv.OrgID]; !ok {
		return fmt.Errorf("accept invitation: user has no membership in %s", inv.OrgID)
	}
	emailIt, err := store.Marshal(store.EmailPK(u.Email), store.SKEmail, store.EmailItem{UserID: u.ID})
	if err != nil {
		return err
	}
	userIt, err := store.Marshal(store.UserPK(u.ID), store.SKProfile, u)
	if err != nil {
		return err
	}
	credIt, err := store.Marshal(store.UserPK(u.ID), store.SKPassword, store.CredentialItem{UserID: u.ID, Hash: passwordHash})
	if err != nil {
		return err
	}
	mi, err := memberItem(u, inv.OrgID)
	if err != nil {
		return err
	}
	sessIt, err := store.SessionItem(sess)
	if err != nil {
		return err
	}
	notExists := aws.String("attribute_not_exists(pk)")
	items, err := s.withEvents([]ddbtypes.TransactWriteItem{
		{Put: &ddbtypes.Put{TableName: &s.Table, Item: emailIt, ConditionExpression: notExists}}, // index 0: email unique
		{Delete: s.consumeInvite(inv, now)},
		{Put: &ddbtypes.Put{TableName: &s.Table, Item: userIt, ConditionExpression: notExists}},
		{Put: &ddbtypes.Put{TableName: &s.Table, Item: credIt, ConditionExpression: notExists}},
		{Put: &ddbtypes.Put{TableName: &s.Table, Item: mi, ConditionExpression: notExists}},
		{Put: &ddbtypes.Put{TableName: &s.Table, Item: sessIt, ConditionExpression: notExists}},
		{Update: s.orgRevUpdate(inv.OrgID, orgRev)},
		{Delete: s.unlistInvite(inv.OrgID, inv.ID)},
	}, evs)
	if err != nil {
		return err
	}
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err != nil {
		if r := store.CancelReasons(err); len(r) > 0 && r[0] == "ConditionalCheckFailed" {
			return account.ErrEmailTaken
		}
		return membershipErr("accept invitation", err)
	}
	return nil
}

// AcceptInvitationExisting consumes the invitation and adds the membership
// to an existing account in one transaction.
func (s *Store) AcceptInvitationExisting(ctx context.Context, inv org.Invitation, now time.Time, orgRev int64, u account.User, expectVersion int64, evs ...events.Event) error {
	if _, ok := u.Orgs[inv.OrgID]; !ok {
		return fmt.Errorf("accept invitation: user has no membership in %s", inv.OrgID)
	}
	userPut, err := s.UserPut(u, expectVersion)
	if err != nil {
		return err
	}
	mi, err := memberItem(u, inv.OrgID)
	if err != nil {
		return err
	}
	items, err := s.withEvents([]ddbtypes.TransactWriteItem{
		{Delete: s.consumeInvite(inv, now)},
		{Put: userPut},
		{Put: &ddbtypes.Put{TableName: &s.Table, Item: mi, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Update: s.orgRevUpdate(inv.OrgID, orgRev)},
		{Delete: s.unlistInvite(inv.OrgID, inv.ID)},
	}, evs)
	if err != nil {
		return err
	}
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err != nil {
		return membershipErr("accept invitation", err)
	}
	return nil
}

// DeleteUserData deletes every item of the user except the audit entries
// (which AnonymizeAudit moves out first): the items of the USER#<uid>
// partition in batches, the rate-limit counters keyed by the user, then the
// email uniqueness item, the password and the user record together. Each
// step is idempotent, so a run that failed half-way is finished by the next
// one; the email, password and user record go last, so until then the
// account can still sign in and send the deletion again.
func (s *Store) DeleteUserData(ctx context.Context, u account.User, evs ...events.Event) error {
	sweep := func() error {
		items, err := s.QueryAll(ctx, &dynamodb.QueryInput{
			TableName:                 &s.Table,
			KeyConditionExpression:    aws.String("pk = :pk"),
			ExpressionAttributeValues: store.Item{":pk": store.S(store.UserPK(u.ID))},
			ProjectionExpression:      aws.String("pk, sk"),
			ConsistentRead:            aws.Bool(true),
		})
		if err != nil {
			return err
		}
		var keys []store.Item
		for _, it := range items {
			sk := it[store.AttrSK].(*ddbtypes.AttributeValueMemberS).Value
			if sk == store.SKProfile || sk == store.SKPassword || strings.HasPrefix(sk, store.PrefixAudit) {
				continue
			}
			keys = append(keys, store.Item{store.AttrPK: it[store.AttrPK], store.AttrSK: it[store.AttrSK]})
		}
		return s.BatchDelete(ctx, keys)
	}
	if err := sweep(); err != nil {
		return fmt.Errorf("delete user data: %w", err)
	}
	// Rate-limit counters keyed by the user's id or email (keys.go).
	// Keep this list in step with the limiters' keys (reauth, org,
	// verification, twofactor, auth).
	for _, k := range []string{
		"reauth#" + u.ID, "invite#" + u.ID, "email-change#" + u.ID, "phone-change#" + u.ID,
		"mfa-confirm#" + u.ID, "mfa#" + u.ID, "login-acct#" + u.Email,
		"signup-email#" + u.Email, "reset-email#" + u.Email, "export#" + u.ID,
	} {
		items, err := s.QueryAll(ctx, &dynamodb.QueryInput{
			TableName:                 &s.Table,
			KeyConditionExpression:    aws.String("pk = :pk"),
			ExpressionAttributeValues: store.Item{":pk": store.S(store.PrefixRate + k)},
			ProjectionExpression:      aws.String("pk, sk"),
		})
		if err != nil {
			return err
		}
		keys := make([]store.Item, 0, len(items))
		for _, it := range items {
			keys = append(keys, store.Item{store.AttrPK: it[store.AttrPK], store.AttrSK: it[store.AttrSK]})
		}
		if err := s.BatchDelete(ctx, keys); err != nil {
			return fmt.Errorf("delete counters: %w", err)
		}
	}
	last, err := s.withEvents([]ddbtypes.TransactWriteItem{
		{Delete: &ddbtypes.Delete{
			TableName: &s.Table, Key: store.Key(store.EmailPK(u.Email), store.SKEmail),
			// Never free an address another account holds now.
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR userId = :uid"),
			ExpressionAttributeValues: store.Item{":uid": store.S(u.ID)},
		}},
		{Delete: &ddbtypes.Delete{TableName: &s.Table, Key: store.Key(store.UserPK(u.ID), store.SKProfile)}},
		{Delete: &ddbtypes.Delete{TableName: &s.Table, Key: store.Key(store.UserPK(u.ID), store.SKPassword)}},
	}, evs)
	if err != nil {
		return err
	}
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: last})
	if err != nil {
		if r := store.CancelReasons(err); len(r) > 0 && r[0] == "ConditionalCheckFailed" {
			// The address now belongs to someone else: delete the record
			// alone, the events (outbox) with it.
			ws, err := eventsdb.TransactPuts(s.Table, evs)
			if err != nil {
				return err
			}
			ws = append(ws,
				ddbtypes.TransactWriteItem{Delete: &ddbtypes.Delete{TableName: &s.Table, Key: store.Key(store.UserPK(u.ID), store.SKPassword)}},
				ddbtypes.TransactWriteItem{Delete: &ddbtypes.Delete{TableName: &s.Table, Key: store.Key(store.UserPK(u.ID), store.SKProfile)}})
			if _, err := s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: ws}); err != nil {
				return fmt.Errorf("delete user: %w", err)
			}
		} else {
			return fmt.Errorf("delete user: %w", err)
		}
	}
	// Items written while the deletion ran (a session signed in meanwhile).
	if err := sweep(); err != nil {
		return fmt.Errorf("delete user data: %w", err)
	}
	return nil
}
