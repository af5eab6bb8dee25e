package app_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
)

// Confirmations of one sign-up racing with the right code make one
// account (the conditional transaction that creates it also takes the
// pending sign-up).
func TestConcurrentSignupsWithOneEmail(t *testing.T) {
	e := apptest.New(t, nil)
	email := testenv.Email(t)
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/auth/signup", Body: map[string]any{
		"email": email, "password": apptest.DefaultPassword, "firstName": "Racer", "lastName": "Number"}})
	code := e.LastCode(email)
	const n = 20
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := e.InGoroutine()
			res := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/signup/confirm", Body: map[string]any{"email": email, "code": code}})
			if res.Status == http.StatusConflict && res.Code() != "email_taken" {
				t.Errorf("409 with code %q", res.Code())
			}
			codes[i] = res.Status
		}()
	}
	wg.Wait()
	created := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusConflict, http.StatusBadRequest, http.StatusTooManyRequests:
		default:
			t.Errorf("unexpected status %d", c)
		}
	}
	if created != 1 {
		t.Fatalf("%d signups won, want exactly 1 (statuses %v)", created, codes)
	}
	uid, err := e.Deps.Store().LookupEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.Deps.Store().GetUser(context.Background(), uid)
	if err != nil || u.Email != email {
		t.Fatalf("uniqueness item points to %q: %v %v", uid, u.Email, err)
	}
}

func TestSignupNormalisesEmailAndLoginIsCaseInsensitive(t *testing.T) {
	e := apptest.New(t, nil)
	email := testenv.Email(t)
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/auth/signup", Body: map[string]any{
		"email": "  " + strings.ToUpper(email) + " ", "password": apptest.DefaultPassword, "firstName": "A", "lastName": "B"}})
	res := e.Must(http.StatusCreated, apptest.Req{Method: "POST", Path: "/v1/auth/signup/confirm", Body: map[string]any{
		"email": strings.ToUpper(email), "code": e.LastCode(email)}})
	if got := res.JSON()["user"].(map[string]any)["email"]; got != email {
		t.Errorf("email stored as %v, want %v", got, email)
	}
	e.Login(strings.ToUpper(email), apptest.DefaultPassword)
	dup := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/signup", Body: map[string]any{
		"email": email, "password": apptest.DefaultPassword, "firstName": "A", "lastName": "B"}})
	if dup.Status != http.StatusAccepted {
		t.Errorf("sign-up with a registered address: %d %s, want 202 like any other", dup.Status, dup.Body)
	}
}

func TestLoginFailuresLookAlikeAndAreLimited(t *testing.T) {
	e := apptest.New(t, &apptest.Options{Env: map[string]string{"LOGIN_MAX_FAILURES": "3"}})
	u := e.SignUp(nil)
	wrongPw := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": "Wrong-password-1!"}})
	unknown := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": testenv.Email(t), "password": "Wrong-password-1!"}})
	if wrongPw.Status != 401 || unknown.Status != 401 || wrongPw.Code() != "invalid_credentials" || unknown.Code() != "invalid_credentials" {
		t.Fatalf("wrong password %d %s / unknown email %d %s", wrongPw.Status, wrongPw.Body, unknown.Status, unknown.Body)
	}
	strip := func(b []byte) string { // the bodies differ only in nothing
		return string(b)
	}
	if strip(wrongPw.Body) != strip(unknown.Body) {
		t.Errorf("bodies differ:\n%s\n%s", wrongPw.Body, unknown.Body)
	}
	for range 2 {
		e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": "Wrong-password-1!"}})
	}
	// The account is now locked for the window, even with the right password.
	res := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": u.Password}})
	if res.Status != http.StatusTooManyRequests || res.Code() != "rate_limited" || res.Header.Get("Retry-After") == "" {
		t.Fatalf("after 3 failures: %d %s retry-after %q", res.Status, res.Body, res.Header.Get("Retry-After"))
	}
	e.Clock.Advance(16 * time.Minute)
	e.Login(u.Email, u.Password)
}

func TestSessionExpiry(t *testing.T) {
	e := apptest.New(t, &apptest.Options{Env: map[string]string{"SESSION_IDLE_TTL": "24h", "SESSION_ABSOLUTE_TTL": "72h"}})
	u := e.SignUp(nil)
	me := apptest.Req{Method: "GET", Path: "/v1/me", Token: u.Token}

	t.Run("used within the idle limit it lives until the absolute limit", func(t *testing.T) {
		e := e.For(t)
		for range 3 {
			e.Clock.Advance(23 * time.Hour)
			e.Must(http.StatusOK, me)
		}
		e.Clock.Advance(4 * time.Hour) // 73h after creation
		if r := e.Do(me); r.Status != http.StatusUnauthorized {
			t.Fatalf("past the absolute limit: %d", r.Status)
		}
	})
	t.Run("an idle session expires", func(t *testing.T) {
		e := e.For(t)
		tok := e.Login(u.Email, u.Password)
		req := apptest.Req{Method: "GET", Path: "/v1/me", Token: tok}
		e.Must(http.StatusOK, req)
		e.Clock.Advance(24*time.Hour + time.Second)
		if r := e.Do(req); r.Status != http.StatusUnauthorized || r.Code() != "unauthenticated" {
			t.Fatalf("idle session: %d %s", r.Status, r.Body)
		}
	})
}

func TestSessionsOfOthersAreInvisible(t *testing.T) {
	e := apptest.New(t, nil)
	a, b := e.SignUp(nil), e.SignUp(nil)
	var list struct {
		Sessions []struct {
			ID string `json:"id"`
		} `json:"sessions"`
	}
	e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/sessions", Token: b.Token}).Decode(t, &list)
	if len(list.Sessions) != 1 {
		t.Fatalf("b has %d sessions", len(list.Sessions))
	}
	res := e.Do(apptest.Req{Method: "DELETE", Path: "/v1/me/sessions/" + list.Sessions[0].ID, Token: a.Token})
	if res.Status != http.StatusNotFound {
		t.Fatalf("deleting another user's session: %d, want 404", res.Status)
	}
	e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: b.Token})
	// Revoke "all" ends the caller's own session too.
	e.Must(http.StatusNoContent, apptest.Req{Method: "POST", Path: "/v1/me/sessions/revoke", Token: b.Token, Body: map[string]any{"scope": "all"}})
	if r := e.Do(apptest.Req{Method: "GET", Path: "/v1/me", Token: b.Token}); r.Status != 401 {
		t.Errorf("after revoke all: %d", r.Status)
	}
	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me/sessions/" + sessionID(t, a.Token), Token: a.Token})
	if r := e.Do(apptest.Req{Method: "GET", Path: "/v1/me", Token: a.Token}); r.Status != 401 {
		t.Errorf("after deleting own session: %d", r.Status)
	}
}

func sessionID(t *testing.T, token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token shape")
	}
	return parts[1]
}

func TestBadInputIsRefusedAndNothingWritten(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	signup := func(extra map[string]any) map[string]any {
		b := map[string]any{"email": "bad-input-" + testenv.RandomID(t) + "@example.com", "password": apptest.DefaultPassword, "firstName": "A", "lastName": "B"}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	tests := []struct {
		name   string
		req    apptest.Req
		status int
		code   string
		field  string
	}{
		{"oversized body", apptest.Req{Method: "POST", Path: "/v1/auth/signup", Body: `{"email":"` + strings.Repeat("a", 70000) + `"}`}, 413, "payload_too_large", ""},
		{"wrong content type", apptest.Req{Method: "POST", Path: "/v1/auth/signup", Body: `{}`, Header: map[string]string{"Content-Type": "text/plain"}}, 415, "unsupported_media_type", ""},
		{"empty body", apptest.Req{Method: "POST", Path: "/v1/auth/signup", Body: ``, Header: map[string]string{"Content-Type": "application/json"}}, 400, "validation_failed", ""},
		{"not json", apptest.Req{Method: "POST", Path: "/v1/auth/signup", Body: `email=a`}, 400, "validation_failed", ""},
		{"invalid utf-8", apptest.Req{Method: "POST", Path: "/v1/auth/signup", Body: "{\"firstName\":\"\xff\"}"}, 400, "validation_failed", ""},
		{"unknown field", apptest.Req{Method: "POST", Path: "/v1/auth/signup", Body: signup(map[string]any{"isAdmin": true})}, 400, "validation_failed", "isAdmin"},
		{"wrong type", apptest.Req{Method: "POST", Path: "/v1/auth/signup", Body: signup(map[string]any{"firstName": 42})}, 400, "validation_failed", "firstName"},
		{"bad time zone", apptest.Req{Method: "POST", Path: "/v1/auth/signup", Body: signup(map[string]any{"timezone": "Mars/Olympus"})}, 400, "validation_failed", "timezone"},
		{"bad email", apptest.Req{Method: "POST", Path: "/v1/auth/signup", Body: signup(map[string]any{"email": "Ada <ada@example.com>"})}, 400, "validation_failed", "email"},
		{"weak password", apptest.Req{Method: "POST", Path: "/v1/auth/signup", Body: signup(map[string]any{"password": "password"})}, 400, "validation_failed", "password"},
		{"control character in name", apptest.Req{Method: "POST", Path: "/v1/auth/signup", Body: signup(map[string]any{"lastName": "B\u0000"})}, 400, "validation_failed", "lastName"},
		{"patch bad time zone", apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{"timezone": "Nowhere/City"}}, 400, "validation_failed", "timezone"},
		{"patch email refused", apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{"email": "x@example.com"}}, 400, "validation_failed", "email"},
		{"patch phone refused", apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{"phone": "+34600000000"}}, 400, "validation_failed", "phone"},
		{"patch unknown field", apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{"nickname": "x"}}, 400, "validation_failed", "nickname"},
		{"patch name too long", apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{"firstName": strings.Repeat("x", 101)}}, 400, "validation_failed", "firstName"},
		{"patch bad language", apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{"language": "xx-!!"}}, 400, "validation_failed", "language"},
		{"patch bad region", apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{"region": "ZZZ"}}, 400, "validation_failed", "region"},
		{"patch null first name", apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: `{"firstName":null}`}, 400, "validation_failed", "firstName"},
		{"no token", apptest.Req{Method: "GET", Path: "/v1/me"}, 401, "unauthenticated", ""},
		{"garbage token", apptest.Req{Method: "GET", Path: "/v1/me", Token: "abc"}, 401, "unauthenticated", ""},
		{"forged token", apptest.Req{Method: "GET", Path: "/v1/me", Token: u.ID + "." + sessionID(t, u.Token) + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, 401, "unauthenticated", ""},
		{"bad revoke scope", apptest.Req{Method: "POST", Path: "/v1/me/sessions/revoke", Token: u.Token, Body: map[string]any{"scope": "everyone"}}, 400, "validation_failed", "scope"},
	}
	before, err := e.Deps.Store().GetUser(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.For(t)
			res := e.Do(tt.req)
			if res.Status != tt.status || res.Code() != tt.code {
				t.Fatalf("got %d %q, want %d %q: %s", res.Status, res.Code(), tt.status, tt.code, res.Body)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q", ct)
			}
			if res.Header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
			if tt.field != "" {
				apptest.WantFieldError(t, res, tt.field)
			}
			if tt.req.Method == "POST" && tt.req.Path == "/v1/auth/signup" {
				if body, ok := tt.req.Body.(map[string]any); ok {
					if _, err := e.Deps.Store().LookupEmail(context.Background(), body["email"].(string)); !errors.Is(err, account.ErrNotFound) {
						t.Errorf("refused signup left an email item: %v", err)
					}
				}
			}
		})
	}
	after, err := e.Deps.Store().GetUser(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != before.Version {
		t.Errorf("refused patches changed the user: version %d -> %d", before.Version, after.Version)
	}
}

func TestConcurrentPatchesLoseNothing(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	etag := e.Must(200, apptest.Req{Method: "GET", Path: "/v1/me", Token: u.Token}).Header.Get("ETag")
	// Same ETag twice: exactly one wins.
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, name := range []string{"First", "Second"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := e.InGoroutine()
			statuses[i] = e.Do(apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Header: map[string]string{"If-Match": etag},
				Body: map[string]any{"firstName": name}}).Status
		}()
	}
	wg.Wait()
	if !(statuses[0] == 200 && statuses[1] == 412 || statuses[0] == 412 && statuses[1] == 200) {
		t.Fatalf("statuses %v, want one 200 and one 412", statuses)
	}
	// Without If-Match, concurrent patches of different fields all land.
	fields := map[string]string{"firstName": "Grace", "lastName": "Hopper", "displayName": "Amazing Grace", "region": "US", "timezone": "America/New_York", "language": "es"}
	for k, v := range fields {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := e.InGoroutine()
			e.Must(200, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{k: v}})
		}()
	}
	wg.Wait()
	got := e.Must(200, apptest.Req{Method: "GET", Path: "/v1/me", Token: u.Token}).JSON()
	for k, v := range fields {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (lost update)", k, got[k], v)
		}
	}
}
