package twofactor_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/store"
)

// removedFirst is DynamoDB Local where, while on, the authenticator item
// is deleted just before the update that records its accepted step: the
// authenticator was removed between the read and the write.
type removedFirst struct {
	store.DB
	on *atomic.Bool
}

func (r removedFirst) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if sk, ok := in.Key[store.AttrSK].(*ddbtypes.AttributeValueMemberS); ok && sk.Value == store.SKTOTP && r.on.Load() {
		if _, err := r.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: in.TableName, Key: in.Key}); err != nil {
			return nil, err
		}
	}
	return r.DB.UpdateItem(ctx, in, opts...)
}

// TransactWriteItems does the same for the sign-in's transaction that
// redeems the challenge and records the step together.
func (r removedFirst) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	for _, it := range in.TransactItems {
		if it.Update == nil || !r.on.Load() {
			continue
		}
		if sk, ok := it.Update.Key[store.AttrSK].(*ddbtypes.AttributeValueMemberS); ok && sk.Value == store.SKTOTP {
			if _, err := r.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: it.Update.TableName, Key: it.Update.Key}); err != nil {
				return nil, err
			}
		}
	}
	return r.DB.TransactWriteItems(ctx, in, opts...)
}

// A right TOTP code for an authenticator removed meanwhile is refused like a
// wrong one (401 mfa_invalid), not a 500.
func TestTOTPRemovedDuringSignIn(t *testing.T) {
	var removing atomic.Bool
	e := apptest.New(t, &apptest.Options{WrapDB: func(db store.DB) store.DB { return removedFirst{DB: db, on: &removing} }})
	u := e.SignUp(nil)
	secret, _ := enrolTOTP(t, e, u)
	e.Clock.Advance(30 * time.Second)
	c := mustChallenge(t, e, u)
	removing.Store(true)
	res := second(e, c, "totp", mustCode(t, secret, e.Clock.Now()))
	removing.Store(false)
	if res.Status != http.StatusUnauthorized || res.Code() != "mfa_invalid" {
		t.Fatalf("%d %s, want 401 mfa_invalid", res.Status, res.Body)
	}
}
