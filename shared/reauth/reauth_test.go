package reauth_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/password"
	"github.com/example/myprofile/shared/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// hashReads counts the reads of password hashes: each real check reads
// the hash first.
type hashReads struct {
	store.DB
	n atomic.Int64
}

func (h *hashReads) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if sk, ok := in.Key["sk"].(*ddbtypes.AttributeValueMemberS); ok && sk.Value == "PASSWORD" {
		h.n.Add(1)
	}
	return h.DB.GetItem(ctx, in, o...)
}

func changePassword(current, next string) apptest.Req {
	return apptest.Req{Method: "PUT", Path: "/v1/me/password", Body: map[string]any{"currentPassword": current, "newPassword": next}}
}

// Parallel wrong current passwords against a limit of L: each is counted
// before the check, so at most L are checked (the hash read and verified)
// and the rest get 429 without a check.
func TestParallelWrongCurrentPasswordsGetAtMostLimitChecks(t *testing.T) {
	const limit, n = 3, 12
	var reads *hashReads
	e := apptest.New(t, &apptest.Options{
		Env: map[string]string{"LOGIN_MAX_FAILURES": "3"},
		WrapDB: func(db store.DB) store.DB {
			reads = &hashReads{DB: db}
			return reads
		},
		Configure: func(d *app.Deps) {
			// Slow enough that the parallel checks are all in flight at once.
			d.Hasher = password.NewHasher(password.Params{MemoryKiB: 8 * 1024, Time: 40, Threads: 1, SaltLen: 16, KeyLen: 32})
		},
	})
	u := e.SignUp(nil)
	reads.n.Store(0)
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req := changePassword("wrong-"+u.Password, "Another-Str0ng-Passphrase!")
			req.Token = u.Token
			statuses[i] = e.Do(req).Status
		})
	}
	wg.Wait()
	checked, refused := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
			refused++
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	if checked > limit || checked+refused != n {
		t.Errorf("%d wrong current passwords in parallel: %d answered 401, %d answered 429; want at most %d 401", n, checked, refused, limit)
	}
	if got := reads.n.Load(); got > limit {
		t.Errorf("%d wrong current passwords in parallel: %d password checks; want at most %d", n, got, limit)
	}
}

// A right current password gives its attempt back: only wrong ones count.
func TestRightCurrentPasswordDoesNotCount(t *testing.T) {
	e := apptest.New(t, &apptest.Options{Env: map[string]string{"LOGIN_MAX_FAILURES": "3"}})
	u := e.SignUp(nil)
	do := func(status int, current, next string) {
		t.Helper()
		req := changePassword(current, next)
		req.Token = u.Token
		e.Must(status, req)
	}
	do(http.StatusUnauthorized, "wrong-"+u.Password, "Another-Str0ng-Passphrase!")
	do(http.StatusUnauthorized, "wrong-"+u.Password, "Another-Str0ng-Passphrase!")
	for range 3 {
		// Right password, new one refused by the policy: checked, not a failure.
		do(http.StatusBadRequest, u.Password, "short")
	}
	do(http.StatusUnauthorized, "wrong-"+u.Password, "Another-Str0ng-Passphrase!")
	do(http.StatusTooManyRequests, "wrong-"+u.Password, "Another-Str0ng-Passphrase!")
}
