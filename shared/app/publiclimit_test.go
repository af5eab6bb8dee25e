package app_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/catalog"
)

// Every route reachable without a session (every route of the auth
// function but sign-out: sign-up, sign-in and its second step, passkey
// sign-in, accepting an invitation, and whatever joins them) is limited per
// client IP, so one client cannot take it away from everyone (issue 18).
// The limit is lowered to 3 so that each route's own finer limits (sign-up
// 20 an hour, sign-in failures 10) are not what answers.
func TestEveryUnauthenticatedRouteIsLimitedPerIP(t *testing.T) {
	const limit = 3
	e := apptest.New(t, &apptest.Options{Env: map[string]string{"PUBLIC_ROUTE_IP_LIMIT": strconv.Itoa(limit)}})
	fn, _ := catalog.Lookup("auth")
	n := 0
	for _, route := range fn.Routes {
		if route == "POST /v1/auth/logout" {
			continue
		}
		n++
		method, path, _ := strings.Cut(route, " ")
		t.Run(route, func(t *testing.T) {
			for i := range limit {
				if r := e.Do(apptest.Req{Method: method, Path: path, Body: map[string]any{}}); r.Status == http.StatusTooManyRequests {
					t.Fatalf("request %d of %d already refused: %s", i+1, limit, r.Body)
				}
			}
			r := e.Do(apptest.Req{Method: method, Path: path, Body: map[string]any{}})
			if r.Status != http.StatusTooManyRequests || r.Code() != "rate_limited" || r.Header.Get("Retry-After") == "" {
				t.Errorf("request %d from one IP: %d %s (Retry-After %q), want 429 rate_limited with Retry-After",
					limit+1, r.Status, r.Body, r.Header.Get("Retry-After"))
			}
		})
	}
	if n < 5 {
		t.Fatalf("only %d unauthenticated routes in the auth function", n)
	}
}
