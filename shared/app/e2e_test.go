package app_test

import (
	"net/http"
	"testing"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app/apptest"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The walking skeleton: sign up, sign in on a second device, read and edit
// the profile, list sessions, sign the other device out, sign out.
func TestSignupLoginProfileSessions(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	if u.Token == "" || u.ID == "" || u.OrgID == "" {
		t.Fatalf("signup returned %+v", u)
	}
	second := e.Login(u.Email, u.Password)

	me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: u.Token})
	etag := me.Header.Get("ETag")
	if etag == "" {
		t.Fatal("GET /v1/me has no ETag")
	}
	if got := me.JSON()["role"]; got != "owner" {
		t.Errorf("role = %v, want owner", got)
	}
	patched := e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token,
		Header: map[string]string{"If-Match": etag},
		Body:   map[string]any{"firstName": "  Grace ", "timezone": "Europe/Madrid", "language": "es-MX", "region": "mx"}})
	pj := patched.JSON()
	if pj["firstName"] != "Grace" || pj["timezone"] != "Europe/Madrid" || pj["language"] != "es-MX" || pj["region"] != "MX" {
		t.Errorf("patched profile = %v", pj)
	}
	if pj["displayName"] != "Grace Lovelace" {
		t.Errorf("displayName = %v, want it to follow the names", pj["displayName"])
	}
	// The old ETag is stale now.
	stale := e.Do(apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token,
		Header: map[string]string{"If-Match": etag}, Body: map[string]any{"lastName": "Hopper"}})
	if stale.Status != http.StatusPreconditionFailed || stale.Code() != "precondition_failed" {
		t.Errorf("stale If-Match: %d %s", stale.Status, stale.Body)
	}

	list := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/sessions", Token: u.Token})
	var sessions struct {
		Sessions []struct {
			ID      string `json:"id"`
			Current bool   `json:"current"`
		} `json:"sessions"`
	}
	list.Decode(t, &sessions)
	if len(sessions.Sessions) != 2 {
		t.Fatalf("sessions = %d, want 2: %s", len(sessions.Sessions), list.Body)
	}
	e.Must(http.StatusNoContent, apptest.Req{Method: "POST", Path: "/v1/me/sessions/revoke", Token: u.Token, Body: map[string]any{"scope": "others"}})
	if r := e.Do(apptest.Req{Method: "GET", Path: "/v1/me", Token: second}); r.Status != http.StatusUnauthorized || r.Code() != "unauthenticated" {
		t.Errorf("revoked device: %d %s", r.Status, r.Body)
	}
	e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: u.Token})
	e.Must(http.StatusNoContent, apptest.Req{Method: "POST", Path: "/v1/auth/logout", Token: u.Token})
	if r := e.Do(apptest.Req{Method: "GET", Path: "/v1/me", Token: u.Token}); r.Status != http.StatusUnauthorized {
		t.Errorf("after logout: %d", r.Status)
	}
}
