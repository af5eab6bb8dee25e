package auth_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/store"
)

func login(e *apptest.Env, email, pw, userAgent string) *apptest.Response {
	r := apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": email, "password": pw}}
	if userAgent != "" {
		r.Header = map[string]string{"User-Agent": userAgent}
	}
	return e.Do(r)
}

// An office behind one NAT address: 20 people sign in at once, and one
// person signs in from 20 tabs at once. Every right password gets a
// session, and the address is not locked afterwards.
func TestTwentyConcurrentSignInsFromOneIP(t *testing.T) {
	e := apptest.New(t, nil) // defaults: 10 failures per account, 100 per IP
	var users []apptest.User
	for range 20 {
		users = append(users, e.SignUp(nil))
	}
	run := func(t *testing.T, who func(i int) apptest.User) {
		t.Helper()
		statuses := make([]int, 20)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				u := who(i)
				statuses[i] = login(e, u.Email, u.Password, "").Status
			})
		}
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			if s == http.StatusOK {
				ok++
			}
		}
		if ok != 20 {
			t.Errorf("20 right passwords at once: %d x 200, statuses %v; want 20 x 200", ok, statuses)
		}
	}
	t.Run("twenty people", func(t *testing.T) { run(t, func(i int) apptest.User { return users[i] }) })
	t.Run("one person in twenty tabs", func(t *testing.T) { run(t, func(int) apptest.User { return users[0] }) })
	t.Run("the address is not locked afterwards", func(t *testing.T) {
		if res := login(e, users[1].Email, users[1].Password, ""); res.Status != http.StatusOK {
			t.Errorf("sign-in after the burst: %d %s", res.Status, res.Body)
		}
	})
}

// Refused (429) attempts take nothing from any budget: an account locked
// by its own limit does not use up the address's budget.
func TestRefusedAttemptsDoNotConsumeBudget(t *testing.T) {
	e := apptest.New(t, &apptest.Options{Env: map[string]string{"LOGIN_MAX_FAILURES": "3", "LOGIN_MAX_FAILURES_PER_IP": "5"}})
	a, b := e.SignUp(nil), e.SignUp(nil)
	for i := range 3 {
		if res := login(e, a.Email, "wrong-"+a.Password, ""); res.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d of A: %d, want 401", i+1, res.Status)
		}
	}
	for i := range 10 {
		if res := login(e, a.Email, "wrong-"+a.Password, ""); res.Status != http.StatusTooManyRequests {
			t.Fatalf("attempt %d on locked A: %d, want 429", i+1, res.Status)
		}
	}
	// The address has used 3 of its 5: B still gets 2 real checks.
	for i := range 2 {
		if res := login(e, b.Email, "wrong-"+b.Password, ""); res.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d of B after A's refused attempts: %d %s, want 401", i+1, res.Status, res.Body)
		}
	}
	// Now the address is out of budget, for every account.
	if res := login(e, b.Email, b.Password, ""); res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("address over its budget: %d %s, want 429 with Retry-After", res.Status, res.Body)
	}
}

const (
	chromeMac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	firefox   = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
	edgeWin   = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0"
)

func newDeviceMails(e *apptest.Env, to string) []string {
	var out []string
	for _, m := range e.Emails(to) {
		if strings.Contains(m.Subject, "new sign-in") {
			out = append(out, m.Text)
		}
	}
	return out
}

func TestNewDeviceNotice(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	mustLogin := func(ua string) string {
		t.Helper()
		res := login(e, u.Email, u.Password, ua)
		if res.Status != http.StatusOK {
			t.Fatalf("sign-in from %q: %d %s", ua, res.Status, res.Body)
		}
		sess, _ := res.JSON()["session"].(map[string]any)
		id, _ := sess["id"].(string)
		return id
	}
	t.Run("no mail for the first sign-in after sign-up", func(t *testing.T) {
		mustLogin(chromeMac)
		if got := newDeviceMails(e, u.Email); len(got) != 0 {
			t.Errorf("first sign-in mailed %d notices", len(got))
		}
	})
	t.Run("no mail for a known device", func(t *testing.T) {
		mustLogin(chromeMac)
		if got := newDeviceMails(e, u.Email); len(got) != 0 {
			t.Errorf("known device mailed %d notices", len(got))
		}
	})
	t.Run("a new device mails once, with when, browser, OS, IP and how to end the session", func(t *testing.T) {
		sid := mustLogin(firefox)
		got := newDeviceMails(e, u.Email)
		if len(got) != 1 {
			t.Fatalf("new device: %d notices, want 1", len(got))
		}
		for _, want := range []string{"Firefox", "Linux", "127.0.0.1", sid, e.Clock.Now().UTC().Format("2006-01-02"), "Sessions"} {
			if !strings.Contains(got[0], want) {
				t.Errorf("notice does not say %q:\n%s", want, got[0])
			}
		}
		mustLogin(firefox)
		if got := newDeviceMails(e, u.Email); len(got) != 1 {
			t.Errorf("same device again: %d notices, want still 1", len(got))
		}
	})
	t.Run("a device not seen for 90 days is new again", func(t *testing.T) {
		e.Clock.Advance(91 * 24 * time.Hour)
		mustLogin(chromeMac)
		if got := newDeviceMails(e, u.Email); len(got) != 2 {
			t.Errorf("after 91 days: %d notices, want 2", len(got))
		}
	})
	t.Run("off when account email is turned off", func(t *testing.T) {
		sessTok := e.Login(u.Email, u.Password)
		off := map[string]any{"account": map[string]any{"email": false}}
		e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: "/v1/me/notifications", Token: sessTok, Body: map[string]any{"web": off, "mobile": off}})
		before := len(newDeviceMails(e, u.Email))
		mustLogin(edgeWin)
		if got := newDeviceMails(e, u.Email); len(got) != before {
			t.Errorf("with account email off: %d notices, want %d", len(got), before)
		}
	})
}

// Password sign-in makes at most 4 sequential DynamoDB round trips.
func TestSignInRoundTrips(t *testing.T) {
	var c *apptest.CountingDB
	e := apptest.New(t, &apptest.Options{WrapDB: func(db store.DB) store.DB {
		c = &apptest.CountingDB{DB: db, Latency: 5 * time.Millisecond}
		return c
	}})
	u := e.SignUp(nil)
	e.Login(u.Email, u.Password) // the device is known from now on
	c.Reset()
	e.Login(u.Email, u.Password)
	if trips := c.Trips(); trips > 4 {
		t.Errorf("POST /v1/auth/login: %d sequential round trips (%d requests), want at most 4", trips, c.Count())
	}
	t.Logf("POST /v1/auth/login: %d round trips, %d requests", c.Trips(), c.Count())
}
