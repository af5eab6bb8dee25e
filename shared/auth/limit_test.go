package auth_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/password"
	"github.com/example/myprofile/shared/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// slowHasher makes each password check take long enough that parallel
// sign-ins are all in flight at once.
func slowHasher(d *app.Deps) {
	d.Hasher = password.NewHasher(password.Params{MemoryKiB: 8 * 1024, Time: 40, Threads: 1, SaltLen: 16, KeyLen: 32})
}

// Parallel wrong passwords against a limit of L: the attempt is counted
// before the check, so at most L get a real check (401) and the others are
// refused (429) even while those are in flight.
func TestParallelWrongPasswordsGetAtMostLimitChecks(t *testing.T) {
	const limit, n = 3, 12
	e := apptest.New(t, &apptest.Options{
		Env:       map[string]string{"LOGIN_MAX_FAILURES": "3"},
		Configure: slowHasher,
	})
	u := e.SignUp(nil)
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": "wrong-" + u.Password}})
			statuses[i] = res.Status
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
		t.Errorf("%d wrong passwords in parallel: %d checked (401), %d refused (429); want at most %d checked", n, checked, refused, limit)
	}
	// The account is locked now, the right password included.
	res := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": u.Password}})
	if res.Status != http.StatusTooManyRequests || res.Code() != "rate_limited" || res.Header.Get("Retry-After") == "" {
		t.Errorf("right password after the limit: %d %s, want 429 rate_limited with Retry-After", res.Status, res.Body)
	}
}

// Correct sign-ins give their attempt back: only failures accumulate, so a
// user who signs in often is never locked out by their own sign-ins.
func TestCorrectSignInsDoNotCountTowardsTheLimit(t *testing.T) {
	e := apptest.New(t, &apptest.Options{Env: map[string]string{"LOGIN_MAX_FAILURES": "3"}})
	u := e.SignUp(nil)
	for range 2 {
		e.Must(http.StatusUnauthorized, apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": "wrong-" + u.Password}})
	}
	for i := range 5 {
		res := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": u.Password}})
		if res.Status != http.StatusOK {
			t.Fatalf("correct sign-in %d after 2 failures (limit 3): %d %s", i+1, res.Status, res.Body)
		}
	}
	// The third failure is still let through, the fourth is not.
	e.Must(http.StatusUnauthorized, apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": "wrong-" + u.Password}})
	e.Must(http.StatusTooManyRequests, apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": "wrong-" + u.Password}})
}

// An unknown email makes the same DynamoDB requests as a wrong password,
// so their timing does not tell whether an email is registered.
func TestUnknownEmailMakesTheSameRequestsAsAWrongPassword(t *testing.T) {
	var c *apptest.CountingDB
	e := apptest.New(t, &apptest.Options{WrapDB: func(db store.DB) store.DB {
		c = &apptest.CountingDB{DB: db}
		return c
	}})
	u := e.SignUp(nil)
	count := func(email, pw string) int64 {
		c.Reset()
		e.Must(http.StatusUnauthorized, apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": email, "password": pw}})
		return c.Count()
	}
	wrongPassword := count(u.Email, "wrong-"+u.Password)
	unknownEmail := count(testenv.Email(t), u.Password)
	if unknownEmail != wrongPassword {
		t.Errorf("unknown email: %d DynamoDB requests, wrong password: %d; want the same", unknownEmail, wrongPassword)
	}
}
