package authdb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/auth"
	"github.com/example/myprofile/shared/sessions"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/authdb"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// conflicting is DynamoDB Local with DynamoDB's answer to a transaction
// that meets another in flight on the same items, which DynamoDB Local
// (it runs transactions one at a time) never gives: the first conflicts
// transactions are cancelled with TransactionConflict, after before runs.
type conflicting struct {
	store.DB
	conflicts int
	before    func()
	calls     int
}

func (c *conflicting) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.calls++
	if c.calls > c.conflicts {
		return c.DB.TransactWriteItems(ctx, in, opts...)
	}
	if c.before != nil {
		c.before()
	}
	reasons := make([]ddbtypes.CancellationReason, len(in.TransactItems))
	for i := range reasons {
		reasons[i].Code = aws.String("None")
	}
	reasons[0].Code = aws.String("TransactionConflict")
	return nil, &ddbtypes.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: reasons}
}

func newAccount(t *testing.T, email string) auth.NewAccount {
	now := time.Now().UTC()
	id, org := testenv.RandomID(t), testenv.RandomID(t)
	return auth.NewAccount{
		User:         account.User{ID: id, Email: email, FirstName: "Ada", LastName: "Lovelace", CreatedAt: now, Orgs: map[string]account.Membership{org: {Role: account.RoleOwner, JoinedAt: now}}},
		PasswordHash: "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA",
		Org:          account.Organization{ID: org, Name: "Ada's", CreatedAt: now},
		Session:      sessions.Session{ID: testenv.RandomID(t), UserID: id, TokenHash: testenv.RandomID(t), CreatedAt: now, LastSeenAt: now, AbsoluteExpiry: now.Add(time.Hour), ExpiresAt: now.Add(time.Hour)},
		Pending:      auth.PendingSignUp{ID: testenv.RandomID(t), Email: email, CodeExpiresAt: now.Add(time.Hour), ExpiresAt: now.Add(time.Hour)},
	}
}

// pending stores the account's pending sign-up (replacing the address's
// earlier one), as a sign-up request does.
func pending(t *testing.T, st *store.Store, a auth.NewAccount) auth.NewAccount {
	t.Helper()
	if err := authdb.New(st).PutPendingSignUp(context.Background(), a.Pending); err != nil {
		t.Fatal(err)
	}
	return a
}

// A sign-up cancelled by a concurrent transaction is tried again: it then
// commits, or meets the winner's email and is email_taken; it never fails
// the request for a conflict that retrying resolves.
func TestSignUpRetriesATransactionConflict(t *testing.T) {
	db, table := testenv.DynamoDB(t)
	core := store.New(db, table)
	t.Run("conflict, then commit", func(t *testing.T) {
		c := &conflicting{DB: db, conflicts: 2}
		a := pending(t, core, newAccount(t, testenv.Email(t)))
		if err := authdb.New(store.New(c, table)).CreateAccount(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		if c.calls != 3 {
			t.Errorf("%d transactions, want 3", c.calls)
		}
		if _, err := core.GetUser(t.Context(), a.User.ID); err != nil {
			t.Errorf("the account was not written: %v", err)
		}
	})
	t.Run("conflict with the winner of the email", func(t *testing.T) {
		email := testenv.Email(t)
		winner := newAccount(t, email)
		c := &conflicting{DB: db, conflicts: 1, before: func() {
			if err := authdb.New(core).CreateAccount(context.Background(), pending(t, core, winner)); err != nil {
				t.Errorf("winner: %v", err)
			}
		}}
		loser := pending(t, core, newAccount(t, email))
		if err := authdb.New(store.New(c, table)).CreateAccount(t.Context(), loser); !errors.Is(err, account.ErrEmailTaken) {
			t.Fatalf("err = %v, want ErrEmailTaken", err)
		}
		if _, err := core.GetUser(t.Context(), loser.User.ID); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("the loser's user was written: %v", err)
		}
	})
	t.Run("conflicts that do not end", func(t *testing.T) {
		c := &conflicting{DB: db, conflicts: 100}
		err := authdb.New(store.New(c, table)).CreateAccount(t.Context(), pending(t, core, newAccount(t, testenv.Email(t))))
		if err == nil || errors.Is(err, account.ErrEmailTaken) || c.calls != 5 {
			t.Fatalf("err = %v after %d transactions, want a failure after 5", err, c.calls)
		}
	})
}
