package sso_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app/apptest"
)

var inviteTokenRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[A-Za-z0-9_-]{43}`)

// join invites a new address into the owner's organization with role and
// accepts the invitation; it returns the member's session token.
func (w world) join(t *testing.T, role string) string {
	t.Helper()
	return w.joinAs(t, testenv.Email(t), role)
}

// joinAs is join with a chosen address.
func (w world) joinAs(t *testing.T, email, role string) string {
	t.Helper()
	w.e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/users", Token: w.owner.Token,
		Body: map[string]any{"email": email, "firstName": "Ann", "lastName": "Member", "role": role}})
	mails := w.e.Emails(email)
	if len(mails) != 1 {
		t.Fatalf("invitation emails to %s = %d, want 1", email, len(mails))
	}
	tok := inviteTokenRE.FindString(mails[0].Text)
	if tok == "" {
		t.Fatalf("no invitation token in %q", mails[0].Text)
	}
	var out struct{ Session struct{ Token string } }
	w.e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/auth/accept-invite", Body: map[string]any{"token": tok, "password": apptest.DefaultPassword}}).Decode(t, &out)
	if out.Session.Token == "" {
		t.Fatal("accept-invite gave no session")
	}
	return out.Session.Token
}

func TestWhoReadsTheConfiguration(t *testing.T) {
	w := newWorld(t, map[string]any{"enforce": true, "idpUrl": "https://idp.example.com/portal"})
	path := "/v1/organizations/" + w.owner.OrgID + "/sso"
	admin, user := w.join(t, "admin"), w.join(t, "user")
	secret := w.idp.ClientSecret

	t.Run("an admin reads it, never the secret", func(t *testing.T) {
		e := w.e.For(t)
		res := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: path, Token: admin})
		body := string(res.Body)
		if strings.Contains(body, secret) || strings.Contains(strings.ToLower(body), `"clientsecret"`) {
			t.Fatalf("GET sso as admin = %s: holds the secret", body)
		}
		j := res.JSON()
		if j["issuer"] != w.idp.Issuer() || j["clientId"] != w.idp.ClientID || j["enforce"] != true ||
			j["idpUrl"] != "https://idp.example.com/portal" || j["clientSecretSet"] != true {
			t.Fatalf("GET sso as admin = %s, want the saved configuration with clientSecretSet", body)
		}
		if d, _ := j["domains"].([]any); len(d) != 1 || d[0] != w.domain {
			t.Fatalf("domains = %v, want [%s]", j["domains"], w.domain)
		}
	})
	t.Run("an admin cannot change or remove it", func(t *testing.T) {
		e := w.e.For(t)
		e.Must(http.StatusForbidden, apptest.Req{Method: "PUT", Path: path, Token: admin, Body: map[string]any{
			"issuer": w.idp.Issuer(), "clientId": "mine", "clientSecret": "s", "domains": []string{w.domain}}})
		e.Must(http.StatusForbidden, apptest.Req{Method: "DELETE", Path: path, Token: admin})
		if got := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: path, Token: w.owner.Token}).JSON()["clientId"]; got != w.idp.ClientID {
			t.Fatalf("clientId after the admin's attempts = %v", got)
		}
	})
	t.Run("a user can neither read nor change it", func(t *testing.T) {
		e := w.e.For(t)
		res := e.Must(http.StatusForbidden, apptest.Req{Method: "GET", Path: path, Token: user})
		if strings.Contains(string(res.Body), w.idp.ClientID) {
			t.Fatalf("403 body leaks the configuration: %s", res.Body)
		}
		e.Must(http.StatusForbidden, apptest.Req{Method: "PUT", Path: path, Token: user, Body: map[string]any{
			"issuer": w.idp.Issuer(), "clientId": "mine", "clientSecret": "s", "domains": []string{w.domain}}})
	})
	t.Run("someone outside the organization gets 404", func(t *testing.T) {
		e := w.e.For(t)
		outsider := e.SignUp(nil)
		e.Must(http.StatusNotFound, apptest.Req{Method: "GET", Path: path, Token: outsider.Token})
	})
	t.Run("the owner's save answers without the secret", func(t *testing.T) {
		e := w.e.For(t)
		res := e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: path, Token: w.owner.Token, Body: map[string]any{
			"issuer": w.idp.Issuer(), "clientId": w.idp.ClientID, "domains": []string{w.domain}, "enforce": true}})
		if strings.Contains(string(res.Body), secret) || res.JSON()["clientSecretSet"] != true {
			t.Fatalf("PUT without clientSecret = %s: want the stored secret kept and not shown", res.Body)
		}
	})
}

// Turning enforce on marks no one at once: a member becomes SSO-managed at
// their next sign-in through the provider (docs/sso.md, Enforcement).
func TestEnforceTakesEffectAtTheNextSSOSignIn(t *testing.T) {
	w := newWorld(t, nil)
	email := "staff@" + w.domain
	tok := w.joinAs(t, email, "user")
	path := "/v1/organizations/" + w.owner.OrgID + "/sso"
	w.e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: path, Token: w.owner.Token, Body: map[string]any{
		"issuer": w.idp.Issuer(), "clientId": w.idp.ClientID, "domains": []string{w.domain}, "enforce": true, "idpUrl": "https://idp.example.com/portal"}})
	if m := w.me(t, tok); m.SSOManaged {
		t.Fatal("turning enforce on made the member SSO-managed before any SSO sign-in")
	}
	w.e.Login(email, apptest.DefaultPassword) // the password still works

	sso := w.signIn(t, &idUser{Sub: "s-1", Email: email})
	if m := w.me(t, sso); !m.SSOManaged || m.Email != email {
		t.Fatalf("member after an SSO sign-in with enforce = %+v, want SSO-managed", m)
	}
	res := w.e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": email, "password": apptest.DefaultPassword}})
	if res.Status != http.StatusConflict || res.Code() != "sso_managed" || res.JSON()["idpUrl"] != "https://idp.example.com/portal" {
		t.Fatalf("password sign-in after the SSO sign-in: %d %s, want 409 sso_managed with idpUrl", res.Status, res.Body)
	}
}
