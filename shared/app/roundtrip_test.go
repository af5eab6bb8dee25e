package app_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/store"
)

func countingEnv(tb testing.TB) (*apptest.Env, *apptest.CountingDB) {
	var c *apptest.CountingDB
	e := apptest.New(tb, &apptest.Options{WrapDB: func(db store.DB) store.DB {
		c = &apptest.CountingDB{DB: db}
		return c
	}})
	return e, c
}

// GET /v1/me reads the session and the profile together: one DynamoDB
// round trip (two when the once-a-minute lastSeenAt write is due).
func TestGetMeRoundTrips(t *testing.T) {
	e, c := countingEnv(t)
	u := e.SignUp(nil)
	req := apptest.Req{Method: "GET", Path: "/v1/me", Token: u.Token}
	c.Reset()
	e.Must(http.StatusOK, req)
	if n := c.Count(); n != 1 {
		t.Errorf("GET /v1/me made %d DynamoDB requests, want 1", n)
	}
	e.Clock.Advance(2 * time.Minute)
	c.Reset()
	e.Must(http.StatusOK, req)
	if n := c.Count(); n != 2 {
		t.Errorf("GET /v1/me with lastSeenAt due made %d requests, want 2 (read + touch)", n)
	}
	c.Reset()
	e.Must(http.StatusOK, req)
	if n := c.Count(); n != 1 {
		t.Errorf("lastSeenAt must be written at most once a minute: %d requests", n)
	}
}

// BenchmarkGetMe measures the GET /v1/me handler (all middleware included)
// against DynamoDB Local and reports DynamoDB requests per call.
func BenchmarkGetMe(b *testing.B) {
	e, c := countingEnv(b)
	u := e.SignUp(nil)
	h := e.Server.Config.Handler
	c.Reset()
	for b.Loop() {
		r := httptest.NewRequest("GET", "/v1/me", nil)
		r.Header.Set("Authorization", "Bearer "+u.Token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
	b.ReportMetric(float64(c.Count())/float64(b.N), "ddb-requests/op")
}

// BenchmarkSessionValidation measures Authenticate alone (one consistent
// BatchGetItem against DynamoDB Local).
func BenchmarkSessionValidation(b *testing.B) {
	e, c := countingEnv(b)
	u := e.SignUp(nil)
	svc := e.Deps.Sessions()
	c.Reset()
	for b.Loop() {
		if _, err := svc.Authenticate(b.Context(), u.Token); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.Count())/float64(b.N), "ddb-requests/op")
}

// BenchmarkSignIn measures POST /v1/auth/login (no second factor, a known
// device) and reports the DynamoDB requests and sequential round trips of
// one sign-in.
func BenchmarkSignIn(b *testing.B) {
	var c *apptest.CountingDB
	e := apptest.New(b, &apptest.Options{WrapDB: func(db store.DB) store.DB {
		c = &apptest.CountingDB{DB: db, Latency: time.Millisecond}
		return c
	}})
	u := e.SignUp(nil)
	e.Login(u.Email, u.Password)
	var requests, trips int64
	for b.Loop() {
		c.Reset()
		e.Login(u.Email, u.Password)
		requests, trips = requests+c.Count(), trips+c.Trips()
	}
	b.ReportMetric(float64(requests)/float64(b.N), "ddb-requests/op")
	b.ReportMetric(float64(trips)/float64(b.N), "ddb-round-trips/op")
}
