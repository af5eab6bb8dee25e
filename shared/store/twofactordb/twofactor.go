package twofactordb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/twofactor"
)

var _ twofactor.Store = (*Store)(nil)

type passkeyItem struct {
	ID         string     `dynamodbav:"id"`
	Name       string     `dynamodbav:"name"`
	CreatedAt  time.Time  `dynamodbav:"createdAt"`
	LastUsedAt *time.Time `dynamodbav:"lastUsedAt"`
	Credential string     `dynamodbav:"credential"`
	SignCount  uint32     `dynamodbav:"signCount"`
	// Discoverable: the authenticator reported a client-side discoverable
	// credential (credProps rk), usable for passwordless sign-in.
	Discoverable bool `dynamodbav:"discoverable"`
}

// passkeyIDItem claims a credential id across all accounts.
type passkeyIDItem struct {
	UserID string `dynamodbav:"userId"`
}

type webauthnRegItem struct {
	Data      string    `dynamodbav:"data"`
	ExpiresAt time.Time `dynamodbav:"expiresAt"`
}

type totpItem struct {
	SecretEnc string    `dynamodbav:"secretEnc"`
	LastStep  int64     `dynamodbav:"lastStep"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
}

type pendingTOTPItem struct {
	SecretEnc string    `dynamodbav:"secretEnc"`
	ExpiresAt time.Time `dynamodbav:"expiresAt"`
}

type backupItem struct {
	ID   string `dynamodbav:"id"`
	Hash string `dynamodbav:"hash"`
}

type challengeItem struct {
	ID           string    `dynamodbav:"id"`
	UserID       string    `dynamodbav:"userId"`
	IP           string    `dynamodbav:"ip"`
	UserAgent    string    `dynamodbav:"userAgent"`
	Methods      []string  `dynamodbav:"methods"`
	Attempts     int       `dynamodbav:"attempts"`
	ExpiresAt    time.Time `dynamodbav:"expiresAt"`
	Used         bool      `dynamodbav:"used"`
	SMSHash      string    `dynamodbav:"smsHash"`
	SMSExpiresAt time.Time `dynamodbav:"smsExpiresAt"`
	SMSExpUnix   int64     `dynamodbav:"smsExpUnix"`
	SMSSends     int       `dynamodbav:"smsSends"`
	WebAuthn     string    `dynamodbav:"webauthnSession"`
}

// challengeKey places a sign-in challenge "<uid>.<hex>" in its user's
// partition, so deleting the account removes a pending challenge too.
func challengeKey(id string) store.Item {
	uid, secret, _ := strings.Cut(id, ".")
	return store.Key(store.UserPK(uid), store.PrefixMFAChal+secret)
}

// ApplyChange writes a factor change and the user record in one
// transaction, the user conditioned on its version.
func (s *Store) ApplyChange(ctx context.Context, c twofactor.Change) error {
	uid := c.User.ID
	userPut, err := s.UserPut(c.User, c.ExpectVersion)
	if err != nil {
		return err
	}
	items := []ddbtypes.TransactWriteItem{{Put: userPut}}
	claimAt := -1 // index of the passkey id's claim, if any
	if c.PutTOTP != nil {
		it, err := store.Marshal(store.UserPK(uid), store.SKTOTP, totpItem(*c.PutTOTP))
		if err != nil {
			return err
		}
		items = append(items, ddbtypes.TransactWriteItem{Put: &ddbtypes.Put{TableName: &s.Table, Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)")}})
	}
	del := func(sk string) {
		items = append(items, ddbtypes.TransactWriteItem{Delete: &ddbtypes.Delete{TableName: &s.Table, Key: store.Key(store.UserPK(uid), sk)}})
	}
	if c.DeleteTOTP {
		del(store.SKTOTP)
	}
	if c.PutPasskey != nil {
		it, err := store.Marshal(store.UserPK(uid), store.PrefixPasskey+c.PutPasskey.ID, passkeyItem(*c.PutPasskey))
		if err != nil {
			return err
		}
		items = append(items, ddbtypes.TransactWriteItem{Put: &ddbtypes.Put{TableName: &s.Table, Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)")}})
		// The credential id is registered once across all accounts
		// (WebAuthn Level 3, 7.1 step 22): its claim is written in the
		// same transaction.
		claim, err := store.Marshal(store.PrefixPasskeyID+c.PutPasskey.ID, store.SKPasskeyID, passkeyIDItem{UserID: uid})
		if err != nil {
			return err
		}
		claimAt = len(items)
		items = append(items, ddbtypes.TransactWriteItem{Put: &ddbtypes.Put{TableName: &s.Table, Item: claim, ConditionExpression: aws.String("attribute_not_exists(pk)")}})
	}
	if c.DeletePasskeyID != "" {
		del(store.PrefixPasskey + c.DeletePasskeyID)
		items = append(items, ddbtypes.TransactWriteItem{Delete: &ddbtypes.Delete{TableName: &s.Table, Key: store.Key(store.PrefixPasskeyID+c.DeletePasskeyID, store.SKPasskeyID),
			ConditionExpression: aws.String("attribute_not_exists(pk) OR userId = :uid"), ExpressionAttributeValues: store.Item{":uid": store.S(uid)}}})
	}
	if c.DeletePendingTOTP {
		del(store.SKTOTPPending)
	}
	if c.ReplaceBackupCodes != nil || c.DeleteBackupCodes {
		existing, err := s.backupIDs(ctx, uid)
		if err != nil {
			return err
		}
		var keep []string
		if !c.DeleteBackupCodes {
			for _, bc := range c.ReplaceBackupCodes {
				it, err := store.Marshal(store.UserPK(uid), store.PrefixBackup+bc.ID, backupItem(bc))
				if err != nil {
					return err
				}
				items = append(items, ddbtypes.TransactWriteItem{Put: &ddbtypes.Put{TableName: &s.Table, Item: it}})
				keep = append(keep, bc.ID)
			}
		}
		for _, id := range existing {
			if !slices.Contains(keep, id) { // a put of the same id replaces it already
				del(store.PrefixBackup + id)
			}
		}
	}
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err != nil {
		if r := store.CancelReasons(err); claimAt >= 0 && claimAt < len(r) && r[claimAt] == "ConditionalCheckFailed" {
			return twofactor.ErrPasskeyTaken
		}
		if slices.Contains(store.CancelReasons(err), "ConditionalCheckFailed") || slices.Contains(store.CancelReasons(err), "TransactionConflict") {
			return account.ErrConflict
		}
		return fmt.Errorf("apply 2fa change: %w", err)
	}
	return nil
}

func (s *Store) backupIDs(ctx context.Context, uid string) ([]string, error) {
	items, err := s.QueryAll(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :sk)"),
		ExpressionAttributeValues: store.Item{":pk": store.S(store.UserPK(uid)), ":sk": store.S(store.PrefixBackup)},
		ProjectionExpression:      aws.String("id"),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		var b backupItem
		if err := store.Unmarshal(it, &b); err != nil {
			return nil, err
		}
		out = append(out, b.ID)
	}
	return out, nil
}

// PutPendingTOTP stores the unconfirmed secret (replacing any).
func (s *Store) PutPendingTOTP(ctx context.Context, userID string, p twofactor.PendingTOTP) error {
	it, err := store.Marshal(store.UserPK(userID), store.SKTOTPPending, pendingTOTPItem(p))
	if err != nil {
		return err
	}
	it[store.AttrTTL] = store.TTL(p.ExpiresAt)
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it}); err != nil {
		return fmt.Errorf("put pending totp: %w", err)
	}
	return nil
}

// GetPendingTOTP returns the unconfirmed secret; the caller checks its expiry.
func (s *Store) GetPendingTOTP(ctx context.Context, userID string) (twofactor.PendingTOTP, error) {
	var p pendingTOTPItem
	if err := s.Get(ctx, store.Key(store.UserPK(userID), store.SKTOTPPending), &p, "pending totp"); err != nil {
		return twofactor.PendingTOTP{}, err
	}
	return twofactor.PendingTOTP(p), nil
}

// GetTOTP returns the user's authenticator.
func (s *Store) GetTOTP(ctx context.Context, userID string) (twofactor.TOTP, error) {
	var t totpItem
	if err := s.Get(ctx, store.Key(store.UserPK(userID), store.SKTOTP), &t, "totp"); err != nil {
		return twofactor.TOTP{}, err
	}
	return twofactor.TOTP(t), nil
}

// AdvanceTOTPStep records step as the last accepted one if it is later.
func (s *Store) AdvanceTOTPStep(ctx context.Context, userID string, step int64) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           &s.Table,
		Key:                                 store.Key(store.UserPK(userID), store.SKTOTP),
		UpdateExpression:                    aws.String("SET lastStep = :s"),
		ConditionExpression:                 aws.String("attribute_exists(pk) AND lastStep < :s"),
		ExpressionAttributeValues:           store.Item{":s": store.N(step)},
		ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return store.WriteError(err, twofactor.ErrReplay, "advance totp step")
}

// GetBackupCode reads one backup code by id.
func (s *Store) GetBackupCode(ctx context.Context, userID, id string) (twofactor.BackupCode, error) {
	var b backupItem
	if err := s.Get(ctx, store.Key(store.UserPK(userID), store.PrefixBackup+id), &b, "backup code"); err != nil {
		return twofactor.BackupCode{}, err
	}
	return twofactor.BackupCode(b), nil
}

// ConsumeBackupCode deletes the code if it still holds this hash.
func (s *Store) ConsumeBackupCode(ctx context.Context, userID string, c twofactor.BackupCode) error {
	_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 &s.Table,
		Key:                       store.Key(store.UserPK(userID), store.PrefixBackup+c.ID),
		ConditionExpression:       aws.String("#h = :h"),
		ExpressionAttributeNames:  map[string]string{"#h": "hash"},
		ExpressionAttributeValues: store.Item{":h": store.S(c.Hash)},
	})
	if store.IsConditionFailed(err) {
		return account.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("consume backup code: %w", err)
	}
	return nil
}

// CountBackupCodes counts the user's remaining backup codes.
func (s *Store) CountBackupCodes(ctx context.Context, userID string) (int, error) {
	ids, err := s.backupIDs(ctx, userID)
	return len(ids), err
}

// PutChallenge stores a new sign-in challenge with its TTL.
func (s *Store) PutChallenge(ctx context.Context, c twofactor.Challenge) error {
	k := challengeKey(c.ID)
	it, err := store.Marshal(k[store.AttrPK].(*ddbtypes.AttributeValueMemberS).Value, k[store.AttrSK].(*ddbtypes.AttributeValueMemberS).Value, challengeItem{
		ID: c.ID, UserID: c.UserID, IP: c.IP, UserAgent: c.UserAgent, Methods: c.Methods,
		ExpiresAt: c.ExpiresAt, Attempts: 0, Used: false,
	})
	if err != nil {
		return err
	}
	it[store.AttrTTL] = store.TTL(c.ExpiresAt)
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if err != nil {
		return fmt.Errorf("put challenge: %w", err)
	}
	return nil
}

func challengeFrom(it store.Item) (twofactor.Challenge, error) {
	var c challengeItem
	if err := store.Unmarshal(it, &c); err != nil {
		return twofactor.Challenge{}, err
	}
	return twofactor.Challenge{ID: c.ID, UserID: c.UserID, IP: c.IP, UserAgent: c.UserAgent, Methods: c.Methods,
		Attempts: c.Attempts, ExpiresAt: c.ExpiresAt, Used: c.Used, SMSHash: c.SMSHash, SMSExpiresAt: c.SMSExpiresAt, SMSSends: c.SMSSends,
		WebAuthnSession: c.WebAuthn}, nil
}

// GetChallenge reads a challenge.
func (s *Store) GetChallenge(ctx context.Context, id string) (twofactor.Challenge, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: challengeKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return twofactor.Challenge{}, fmt.Errorf("get challenge: %w", err)
	}
	if out.Item == nil {
		return twofactor.Challenge{}, account.ErrNotFound
	}
	return challengeFrom(out.Item)
}

// liveChallenge is the condition of a challenge that can still be used:
// it exists, is not redeemed and has not expired (TTL may lag, so the
// expiry is checked here too).
const liveChallenge = "attribute_exists(pk) AND used = :f AND #ttl > :now"

// AttemptChallenge counts one attempt on a live challenge with attempts left.
func (s *Store) AttemptChallenge(ctx context.Context, id string, now time.Time, max int) (twofactor.Challenge, error) {
	out, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       challengeKey(id),
		UpdateExpression:          aws.String("ADD attempts :one"),
		ConditionExpression:       aws.String(liveChallenge + " AND attempts < :max"),
		ExpressionAttributeNames:  map[string]string{"#ttl": store.AttrTTL},
		ExpressionAttributeValues: store.Item{":one": store.N(1), ":f": &ddbtypes.AttributeValueMemberBOOL{Value: false}, ":now": store.N(now.Unix()), ":max": store.N(int64(max))},
		ReturnValues:              ddbtypes.ReturnValueAllNew,
	})
	if store.IsConditionFailed(err) {
		return twofactor.Challenge{}, twofactor.ErrVoid
	}
	if err != nil {
		return twofactor.Challenge{}, fmt.Errorf("attempt challenge: %w", err)
	}
	return challengeFrom(out.Attributes)
}

// SetChallengeSMS stores a new SMS code hash on a live challenge.
func (s *Store) SetChallengeSMS(ctx context.Context, id, hash string, expires, now time.Time, maxSends int) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.Table,
		Key:                      challengeKey(id),
		UpdateExpression:         aws.String("SET smsHash = :h, smsExpiresAt = :e, smsExpUnix = :eu ADD smsSends :one"),
		ConditionExpression:      aws.String(liveChallenge + " AND smsSends < :max"),
		ExpressionAttributeNames: map[string]string{"#ttl": store.AttrTTL},
		ExpressionAttributeValues: store.Item{
			":h": store.S(hash), ":e": store.S(expires.UTC().Format(time.RFC3339Nano)), ":eu": store.N(expires.Unix()), ":one": store.N(1),
			":f": &ddbtypes.AttributeValueMemberBOOL{Value: false}, ":now": store.N(now.Unix()), ":max": store.N(int64(maxSends)),
		},
	})
	if store.IsConditionFailed(err) {
		return twofactor.ErrVoid
	}
	if err != nil {
		return fmt.Errorf("set challenge sms: %w", err)
	}
	return nil
}

// RedeemChallenge marks a live challenge used, once.
func (s *Store) RedeemChallenge(ctx context.Context, id string, now time.Time, smsHash string) error {
	cond := liveChallenge
	vals := store.Item{":t": &ddbtypes.AttributeValueMemberBOOL{Value: true}, ":f": &ddbtypes.AttributeValueMemberBOOL{Value: false}, ":now": store.N(now.Unix())}
	if smsHash != "" {
		cond += " AND smsHash = :h AND smsExpUnix > :now"
		vals[":h"] = store.S(smsHash)
	}
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       challengeKey(id),
		UpdateExpression:          aws.String("SET used = :t"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#ttl": store.AttrTTL},
		ExpressionAttributeValues: vals,
	})
	if store.IsConditionFailed(err) {
		return twofactor.ErrVoid
	}
	if err != nil {
		return fmt.Errorf("redeem challenge: %w", err)
	}
	return nil
}

// RedeemChallengeTOTP is RedeemChallenge and AdvanceTOTPStep in one
// transaction: both or neither, so of concurrent answers with one code on
// one challenge exactly one signs in, in one round trip.
func (s *Store) RedeemChallengeTOTP(ctx context.Context, id string, now time.Time, userID string, step int64) error {
	_, err := s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
		{Update: &ddbtypes.Update{
			TableName:                 &s.Table,
			Key:                       challengeKey(id),
			UpdateExpression:          aws.String("SET used = :t"),
			ConditionExpression:       aws.String(liveChallenge),
			ExpressionAttributeNames:  map[string]string{"#ttl": store.AttrTTL},
			ExpressionAttributeValues: store.Item{":t": &ddbtypes.AttributeValueMemberBOOL{Value: true}, ":f": &ddbtypes.AttributeValueMemberBOOL{Value: false}, ":now": store.N(now.Unix())},
		}},
		{Update: &ddbtypes.Update{
			TableName:                           &s.Table,
			Key:                                 store.Key(store.UserPK(userID), store.SKTOTP),
			UpdateExpression:                    aws.String("SET lastStep = :s"),
			ConditionExpression:                 aws.String("attribute_exists(pk) AND lastStep < :s"),
			ExpressionAttributeValues:           store.Item{":s": store.N(step)},
			ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld,
		}},
	}})
	if err == nil {
		return nil
	}
	var tce *ddbtypes.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) != 2 {
		return fmt.Errorf("redeem challenge with totp: %w", err)
	}
	chal, totp := tce.CancellationReasons[0], tce.CancellationReasons[1]
	if aws.ToString(totp.Code) == "ConditionalCheckFailed" {
		// The authenticator as it stood: gone, or a step recorded already.
		if totp.Item == nil {
			if _, gerr := s.GetTOTP(ctx, userID); errors.Is(gerr, account.ErrNotFound) {
				return account.ErrNotFound
			}
		}
		return twofactor.ErrReplay
	}
	if aws.ToString(chal.Code) == "ConditionalCheckFailed" ||
		aws.ToString(chal.Code) == "TransactionConflict" || aws.ToString(totp.Code) == "TransactionConflict" {
		return twofactor.ErrVoid // redeemed by a concurrent answer
	}
	return fmt.Errorf("redeem challenge with totp: %w", err)
}

// PutWebAuthnRegistration stores the pending registration ceremony.
func (s *Store) PutWebAuthnRegistration(ctx context.Context, userID, data string, expires time.Time) error {
	return s.putCeremony(ctx, store.UserPK(userID), store.SKWebAuthnReg, data, expires, false, "webauthn registration")
}

// TakeWebAuthnRegistration deletes the pending ceremony and returns it.
func (s *Store) TakeWebAuthnRegistration(ctx context.Context, userID string, now time.Time) (string, error) {
	return s.takeCeremony(ctx, store.Key(store.UserPK(userID), store.SKWebAuthnReg), now, "webauthn registration")
}

// putCeremony stores a WebAuthn ceremony's state until expires (the TTL
// removes it); onlyNew refuses to replace one under the same key.
func (s *Store) putCeremony(ctx context.Context, pk, sk, data string, expires time.Time, onlyNew bool, what string) error {
	it, err := store.Marshal(pk, sk, webauthnRegItem{Data: data, ExpiresAt: expires})
	if err != nil {
		return err
	}
	it[store.AttrTTL] = store.TTL(expires)
	in := &dynamodb.PutItemInput{TableName: &s.Table, Item: it}
	if onlyNew {
		in.ConditionExpression = aws.String("attribute_not_exists(pk)")
	}
	if _, err := s.DB.PutItem(ctx, in); err != nil {
		return fmt.Errorf("put %s: %w", what, err)
	}
	return nil
}

// takeCeremony deletes the ceremony under key and returns its state, if
// it has not expired (one conditional DeleteItem: of concurrent takes, one
// wins); account.ErrNotFound otherwise.
func (s *Store) takeCeremony(ctx context.Context, key store.Item, now time.Time, what string) (string, error) {
	out, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &s.Table, Key: key,
		ConditionExpression:       aws.String("attribute_exists(pk) AND #ttl > :now"),
		ExpressionAttributeNames:  map[string]string{"#ttl": store.AttrTTL},
		ExpressionAttributeValues: store.Item{":now": store.N(now.Unix())},
		ReturnValues:              ddbtypes.ReturnValueAllOld,
	})
	if store.IsConditionFailed(err) {
		return "", account.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("take %s: %w", what, err)
	}
	var r webauthnRegItem
	if err := store.Unmarshal(out.Attributes, &r); err != nil {
		return "", err
	}
	return r.Data, nil
}

// ListPasskeys returns the user's passkeys.
func (s *Store) ListPasskeys(ctx context.Context, userID string) ([]twofactor.Passkey, error) {
	items, err := s.QueryAll(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :sk)"),
		ExpressionAttributeValues: store.Item{":pk": store.S(store.UserPK(userID)), ":sk": store.S(store.PrefixPasskey)},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	out := make([]twofactor.Passkey, 0, len(items))
	for _, it := range items {
		var p passkeyItem
		if err := store.Unmarshal(it, &p); err != nil {
			return nil, err
		}
		out = append(out, twofactor.Passkey(p))
	}
	return out, nil
}

// UsePasskey records a sign-in if the sign counter moved forward.
func (s *Store) UsePasskey(ctx context.Context, userID string, p twofactor.Passkey, at time.Time) error {
	cond := "attribute_exists(pk) AND signCount < :n"
	if p.SignCount == 0 {
		cond = "attribute_exists(pk) AND signCount = :n" // authenticators without a counter
	}
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           &s.Table,
		Key:                                 store.Key(store.UserPK(userID), store.PrefixPasskey+p.ID),
		UpdateExpression:                    aws.String("SET signCount = :n, lastUsedAt = :at, credential = :c"),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeValues:           store.Item{":n": store.N(int64(p.SignCount)), ":at": store.S(at.UTC().Format(time.RFC3339Nano)), ":c": store.S(p.Credential)},
		ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return store.WriteError(err, twofactor.ErrReplay, "use passkey")
}

// SetChallengeWebAuthn stores the assertion ceremony on a live challenge.
func (s *Store) SetChallengeWebAuthn(ctx context.Context, id, data string, now time.Time) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       challengeKey(id),
		UpdateExpression:          aws.String("SET webauthnSession = :d"),
		ConditionExpression:       aws.String(liveChallenge),
		ExpressionAttributeNames:  map[string]string{"#ttl": store.AttrTTL},
		ExpressionAttributeValues: store.Item{":d": store.S(data), ":f": &ddbtypes.AttributeValueMemberBOOL{Value: false}, ":now": store.N(now.Unix())},
	})
	if store.IsConditionFailed(err) {
		return twofactor.ErrVoid
	}
	if err != nil {
		return fmt.Errorf("set challenge webauthn: %w", err)
	}
	return nil
}

type lockItem struct {
	Strikes int       `dynamodbav:"strikes"`
	Window  time.Time `dynamodbav:"window"`
	Until   time.Time `dynamodbav:"until"`
}

// lockKeep is how long a lock item outlives its lock: the strikes are
// remembered for a month of quiet, then the escalation starts over.
const lockKeep = 30 * 24 * time.Hour

// GetLock reads the user's second-factor lock (zero if none).
func (s *Store) GetLock(ctx context.Context, userID string) (twofactor.Lock, error) {
	var l lockItem
	err := s.Get(ctx, store.Key(store.UserPK(userID), store.SKMFALock), &l, "mfa lock")
	if errors.Is(err, account.ErrNotFound) {
		return twofactor.Lock{}, nil
	}
	if err != nil {
		return twofactor.Lock{}, err
	}
	return twofactor.Lock(l), nil
}

// PutLock writes the lock conditioned on the strikes read before.
func (s *Store) PutLock(ctx context.Context, userID string, l twofactor.Lock, prevStrikes int) error {
	it, err := store.Marshal(store.UserPK(userID), store.SKMFALock, lockItem(l))
	if err != nil {
		return err
	}
	it[store.AttrTTL] = store.TTL(l.Until.Add(lockKeep))
	in := &dynamodb.PutItemInput{TableName: &s.Table, Item: it}
	if prevStrikes == 0 {
		in.ConditionExpression = aws.String("attribute_not_exists(pk) OR strikes = :p")
	} else {
		in.ConditionExpression = aws.String("strikes = :p")
	}
	in.ExpressionAttributeValues = store.Item{":p": store.N(int64(prevStrikes))}
	_, err = s.DB.PutItem(ctx, in)
	if store.IsConditionFailed(err) {
		return account.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("put mfa lock: %w", err)
	}
	return nil
}

// DeleteLock removes the user's lock.
func (s *Store) DeleteLock(ctx context.Context, userID string) error {
	_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table, Key: store.Key(store.UserPK(userID), store.SKMFALock)})
	if err != nil {
		return fmt.Errorf("delete mfa lock: %w", err)
	}
	return nil
}

// stepUpItem is a step-up proof waiting for its sensitive change.
type stepUpItem struct {
	Data      string    `dynamodbav:"data"`
	ExpiresAt time.Time `dynamodbav:"expiresAt"`
}

// PutStepUp stores (replaces) the user's step-up item id.
func (s *Store) PutStepUp(ctx context.Context, userID, id, data string, expires time.Time) error {
	it, err := store.Marshal(store.UserPK(userID), store.PrefixStepUp+id, stepUpItem{Data: data, ExpiresAt: expires})
	if err != nil {
		return err
	}
	it[store.AttrTTL] = store.TTL(expires)
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: it}); err != nil {
		return fmt.Errorf("put step-up: %w", err)
	}
	return nil
}

// TakeStepUp deletes the user's step-up item id and returns its data, if
// it is live at now and (match not "") holds match.
func (s *Store) TakeStepUp(ctx context.Context, userID, id string, now time.Time, match string) (string, error) {
	cond := "attribute_exists(pk) AND #ttl > :now"
	names := map[string]string{"#ttl": store.AttrTTL}
	values := store.Item{":now": store.N(now.Unix())}
	if match != "" {
		cond += " AND #data = :data"
		names["#data"] = "data"
		values[":data"] = store.S(match)
	}
	out, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &s.Table, Key: store.Key(store.UserPK(userID), store.PrefixStepUp+id),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              ddbtypes.ReturnValueAllOld,
	})
	if store.IsConditionFailed(err) {
		return "", account.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("take step-up: %w", err)
	}
	var r stepUpItem
	if err := store.Unmarshal(out.Attributes, &r); err != nil {
		return "", err
	}
	return r.Data, nil
}
