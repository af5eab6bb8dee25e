package sso_test

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/miekg/dns"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app/apptest"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// txtServer is a DNS server on 127.0.0.1 answering TXT questions from a map.
type txtServer struct {
	mu      sync.Mutex
	records map[string][]string // fqdn -> values
	addr    string
}

func startDNS(t *testing.T) *txtServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("dns listen: %v", err)
	}
	s := &txtServer{records: map[string][]string{}, addr: pc.LocalAddr().String()}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		s.mu.Lock()
		for _, q := range r.Question {
			if q.Qtype != dns.TypeTXT {
				continue
			}
			for _, v := range s.records[strings.ToLower(q.Name)] {
				m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}, Txt: []string{v}})
			}
		}
		if len(m.Answer) == 0 {
			m.Rcode = dns.RcodeNameError
		}
		s.mu.Unlock()
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return s
}

func (s *txtServer) publish(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := dns.Fqdn(strings.ToLower(name))
	s.records[k] = append(s.records[k], value)
}

// idUser is the person the provider signs in next; Aud and Iss, when set,
// replace the token's audience and issuer (a token made for someone else).
type idUser struct {
	Sub, Email, Given, Family string
	Unverified                bool
	Aud, Iss                  string
}

func (u *idUser) ID() string { return u.Sub }

func (u *idUser) Userinfo([]string) ([]byte, error) { return []byte(`{"sub":"` + u.Sub + `"}`), nil }

func (u *idUser) Claims(_ []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	m := jwt.MapClaims{
		"iss": c.Issuer, "aud": []string(c.Audience), "exp": c.ExpiresAt.Unix(), "iat": c.IssuedAt.Unix(),
		"sub": u.Sub, "nonce": c.Nonce, "email": u.Email, "email_verified": !u.Unverified,
		"given_name": u.Given, "family_name": u.Family,
	}
	if u.Aud != "" {
		m["aud"] = u.Aud
	}
	if u.Iss != "" {
		m["iss"] = u.Iss
	}
	return m, nil
}

// world is an organization whose owner proved domain and configured the
// mock provider.
type world struct {
	e      *apptest.Env
	idp    *mockoidc.MockOIDC
	dns    *txtServer
	owner  apptest.User
	domain string
}

func newWorld(t *testing.T, sso map[string]any) world {
	t.Helper()
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatalf("mockoidc: %v", err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	d := startDNS(t)
	e := apptest.New(t, &apptest.Options{Env: map[string]string{"DNS_RESOLVER": d.addr}})
	domain := "acme-" + testenv.RandomID(t) + ".test"
	owner := e.SignUp(map[string]any{"email": "boss@" + domain})
	w := world{e: e, idp: idp, dns: d, owner: owner, domain: domain}
	w.prove(t, owner, domain)
	body := map[string]any{"issuer": idp.Issuer(), "clientId": idp.ClientID, "clientSecret": idp.ClientSecret, "domains": []string{domain}}
	for k, v := range sso {
		body[k] = v
	}
	e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: "/v1/organizations/" + owner.OrgID + "/sso", Token: owner.Token, Body: body})
	return w
}

// prove adds domain to the user's organization, publishes its TXT record
// and verifies it.
func (w world) prove(t *testing.T, u apptest.User, domain string) {
	t.Helper()
	var rec struct {
		TXTName, TXTValue string
		Verified          bool
	}
	w.e.Must(http.StatusCreated, apptest.Req{Method: "POST", Path: "/v1/organizations/" + u.OrgID + "/domains", Token: u.Token, Body: map[string]any{"domain": domain}}).Decode(t, &rec)
	if rec.Verified || rec.TXTName != "_myprofile-challenge."+domain || rec.TXTValue == "" {
		t.Fatalf("new domain record = %+v", rec)
	}
	w.dns.publish(rec.TXTName, rec.TXTValue)
	w.e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/organizations/" + u.OrgID + "/domains/" + domain + "/verify", Token: u.Token}).Decode(t, &rec)
	if !rec.Verified {
		t.Fatalf("verified domain record = %+v", rec)
	}
}

// authorize starts a sign-in for email, lets the provider sign user in
// (tamper may change the authorization request) and returns the code and
// state it redirected with.
func (w world) authorize(t *testing.T, email string, user *idUser, tamper func(url.Values)) (string, string) {
	t.Helper()
	var start struct{ AuthorizationURL string }
	w.e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/auth/sso/start", Body: map[string]any{"email": email}}).Decode(t, &start)
	u, err := url.Parse(start.AuthorizationURL)
	if err != nil || !strings.HasPrefix(start.AuthorizationURL, w.idp.AuthorizationEndpoint()) {
		t.Fatalf("authorizationUrl %q, want the provider's authorization endpoint", start.AuthorizationURL)
	}
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		t.Fatalf("authorization request lacks PKCE S256, nonce or state: %s", u.RawQuery)
	}
	if tamper != nil {
		tamper(q)
		u.RawQuery = q.Encode()
	}
	w.idp.QueueUser(user)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(u.String())
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: status %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	return loc.Query().Get("code"), loc.Query().Get("state")
}

func (w world) callback(code, state string) *apptest.Response {
	return w.e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/sso/callback", Body: map[string]any{"code": code, "state": state}})
}

// signIn runs the whole flow and returns the session token.
func (w world) signIn(t *testing.T, user *idUser) string {
	t.Helper()
	code, state := w.authorize(t, user.Email, user, nil)
	res := w.callback(code, state)
	if res.Status != http.StatusOK {
		t.Fatalf("callback: status %d, body %s", res.Status, res.Body)
	}
	var out struct{ Session struct{ Token string } }
	res.Decode(t, &out)
	if out.Session.Token == "" {
		t.Fatal("callback: no session token")
	}
	return out.Session.Token
}

type me struct {
	ID, Email, FirstName, LastName string
	SSOManaged                     bool `json:"ssoManaged"`
}

func (w world) me(t *testing.T, token string) me {
	t.Helper()
	var m me
	w.e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: token}).Decode(t, &m)
	return m
}

func TestJustInTimeAccount(t *testing.T) {
	w := newWorld(t, nil)
	email := "grace@" + w.domain
	tok := w.signIn(t, &idUser{Sub: "g-1", Email: email, Given: "Grace", Family: "Hopper"})
	m := w.me(t, tok)
	if m.Email != email || m.FirstName != "Grace" || m.LastName != "Hopper" || !m.SSOManaged {
		t.Fatalf("JIT profile = %+v, want grace, SSO-managed", m)
	}
	// A member with role user, in the owner's organization.
	var staff struct{ Users []struct{ ID, Role string } }
	w.e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/users", Token: w.owner.Token}).Decode(t, &staff)
	found := false
	for _, u := range staff.Users {
		if u.ID == m.ID {
			found = u.Role == "user"
		}
	}
	if !found {
		t.Fatalf("JIT user %s not a member with role user: %+v", m.ID, staff.Users)
	}
	// No password: password sign-in does not work, and the profile's
	// password change answers sso_managed.
	res := w.e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": email, "password": apptest.DefaultPassword}})
	if res.Status != http.StatusUnauthorized {
		t.Fatalf("password sign-in of a JIT account: status %d, want 401", res.Status)
	}
	res = w.e.Do(apptest.Req{Method: "PUT", Path: "/v1/me/password", Token: tok, Body: map[string]any{"currentPassword": "x", "newPassword": apptest.DefaultPassword + "x"}})
	if res.Code() != "sso_managed" || res.JSON()["idpUrl"] != w.idp.Issuer() {
		t.Fatalf("password change of an SSO-managed user: %d %s, want sso_managed with idpUrl %s", res.Status, res.Body, w.idp.Issuer())
	}
	// A second sign-in finds the same account.
	tok2 := w.signIn(t, &idUser{Sub: "g-1", Email: email, Given: "Grace", Family: "Hopper"})
	if again := w.me(t, tok2); again.ID != m.ID {
		t.Fatalf("second sign-in made user %s, want %s", again.ID, m.ID)
	}
	// The audit log has the configuration, the domain and the sign-ins.
	body := string(w.e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/organizations/" + w.owner.OrgID + "/audit", Token: w.owner.Token}).Body)
	for _, a := range []string{"sso.configured", "domain.verified", "sso.sign_in"} {
		if !strings.Contains(body, `"`+a+`"`) {
			t.Errorf("audit log lacks %s: %s", a, body)
		}
	}
	// Regular members may not read or change the configuration.
	w.e.Must(http.StatusForbidden, apptest.Req{Method: "GET", Path: "/v1/organizations/" + w.owner.OrgID + "/sso", Token: tok})
	w.e.Must(http.StatusForbidden, apptest.Req{Method: "DELETE", Path: "/v1/organizations/" + w.owner.OrgID + "/sso", Token: tok})
}

func TestLinkingAndEnforcement(t *testing.T) {
	t.Run("the owner keeps the break-glass password by default", func(t *testing.T) {
		w := newWorld(t, map[string]any{"enforce": true})
		tok := w.signIn(t, &idUser{Sub: "o-1", Email: w.owner.Email, Given: "Ada"})
		if m := w.me(t, tok); m.ID != w.owner.ID || m.SSOManaged {
			t.Fatalf("owner after SSO = %+v, want the same account, not SSO-managed", m)
		}
		w.e.Login(w.owner.Email, w.owner.Password)
	})
	t.Run("with enforce and the break-glass off, password sign-in answers sso_managed", func(t *testing.T) {
		w := newWorld(t, map[string]any{"enforce": true, "ownerPasswordDisabled": true, "idpUrl": "https://idp.example.com/portal"})
		tok := w.signIn(t, &idUser{Sub: "o-1", Email: w.owner.Email, Given: "Ada"})
		if m := w.me(t, tok); m.ID != w.owner.ID || !m.SSOManaged {
			t.Fatalf("owner after enforced SSO = %+v", m)
		}
		res := w.e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": w.owner.Email, "password": w.owner.Password}})
		if res.Status != http.StatusConflict || res.Code() != "sso_managed" || res.JSON()["idpUrl"] != "https://idp.example.com/portal" {
			t.Fatalf("password sign-in: %d %s, want 409 sso_managed with idpUrl", res.Status, res.Body)
		}
	})
	t.Run("without enforce a member is linked and keeps the password", func(t *testing.T) {
		w := newWorld(t, nil)
		tok := w.signIn(t, &idUser{Sub: "o-1", Email: w.owner.Email})
		if m := w.me(t, tok); m.ID != w.owner.ID || m.SSOManaged {
			t.Fatalf("owner after SSO = %+v", m)
		}
		w.e.Login(w.owner.Email, w.owner.Password)
	})
	t.Run("an account outside the organization is never linked", func(t *testing.T) {
		w := newWorld(t, nil)
		outsider := w.e.SignUp(map[string]any{"email": "mallory@" + w.domain})
		code, state := w.authorize(t, outsider.Email, &idUser{Sub: "m-1", Email: outsider.Email}, nil)
		if res := w.callback(code, state); res.Status != http.StatusForbidden {
			t.Fatalf("callback for an outsider: %d %s, want 403", res.Status, res.Body)
		}
		if m := w.me(t, outsider.Token); m.SSOManaged {
			t.Fatal("outsider became SSO-managed")
		}
	})
}

func TestRefusedSignIns(t *testing.T) {
	w := newWorld(t, nil)
	unproven := "unproven-" + testenv.RandomID(t) + ".test"
	w.e.Must(http.StatusCreated, apptest.Req{Method: "POST", Path: "/v1/organizations/" + w.owner.OrgID + "/domains", Token: w.owner.Token, Body: map[string]any{"domain": unproven}})
	user := func() *idUser {
		return &idUser{Sub: "u-" + testenv.RandomID(t), Email: "user-" + testenv.RandomID(t) + "@" + w.domain}
	}
	cases := []struct {
		name   string
		user   *idUser
		tamper func(url.Values)
		state  string // replaces the state returned
		before func()
		want   int
		code   string
	}{
		{name: "a wrong nonce is refused", user: user(), tamper: func(q url.Values) { q.Set("nonce", "other") }, want: 401, code: "invalid_credentials"},
		{name: "a token for another audience is refused", user: func() *idUser { u := user(); u.Aud = "someone-else"; return u }(), want: 401, code: "invalid_credentials"},
		{name: "a token from another issuer is refused", user: func() *idUser { u := user(); u.Iss = "https://evil.example.com"; return u }(), want: 401, code: "invalid_credentials"},
		{name: "an unknown state is refused", user: user(), state: "forged-state", want: 400, code: "code_invalid"},
		{name: "an unverified email is refused", user: func() *idUser { u := user(); u.Unverified = true; return u }(), want: 403, code: "forbidden"},
		{name: "an address in an unverified domain is refused", user: func() *idUser { u := user(); u.Email = "x@" + unproven; return u }(), want: 403, code: "forbidden"},
		{name: "an expired state is refused", user: user(), before: func() { w.e.Clock.Advance(11 * time.Minute) }, want: 400, code: "code_expired"},
	}
	t.Run("a state works once", func(t *testing.T) {
		w.e = w.e.For(t)
		u := user()
		code, state := w.authorize(t, u.Email, u, nil)
		w.e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/auth/sso/callback", Body: map[string]any{"code": code, "state": state}})
		if res := w.callback(code, state); res.Code() != "code_invalid" {
			t.Fatalf("replayed callback: %d %s, want code_invalid", res.Status, res.Body)
		}
	})
	// The expired state comes last: it moves the clock.
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w.e = w.e.For(t)
			code, state := w.authorize(t, "someone@"+w.domain, c.user, c.tamper)
			if c.state != "" {
				state = c.state
			}
			if c.before != nil {
				c.before()
			}
			res := w.callback(code, state)
			if res.Status != c.want || res.Code() != c.code {
				t.Fatalf("callback: %d %s, want %d %s", res.Status, res.Body, c.want, c.code)
			}
		})
	}
	t.Run("an address without single sign-on is not found", func(t *testing.T) {
		w.e = w.e.For(t)
		for _, email := range []string{"x@" + unproven, "x@nowhere-" + testenv.RandomID(t) + ".test"} {
			res := w.e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/sso/start", Body: map[string]any{"email": email}})
			if res.Status != http.StatusNotFound || res.Code() != "not_found" {
				t.Fatalf("start for %s: %d %s, want 404 not_found", email, res.Status, res.Body)
			}
		}
	})
}

func TestConfiguration(t *testing.T) {
	w := newWorld(t, nil)
	path := "/v1/organizations/" + w.owner.OrgID + "/sso"
	res := w.e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: path, Token: w.owner.Token})
	if strings.Contains(string(res.Body), w.idp.ClientSecret) || res.JSON()["clientSecretSet"] != true {
		t.Fatalf("GET sso = %s: must not hold the secret and must say it is set", res.Body)
	}
	t.Run("an unreachable issuer is refused naming issuer", func(t *testing.T) {
		e := w.e.For(t)
		res := e.Do(apptest.Req{Method: "PUT", Path: path, Token: w.owner.Token, Body: map[string]any{
			"issuer": "http://127.0.0.1:1/nothing", "clientId": "c", "clientSecret": "s", "domains": []string{w.domain}}})
		if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), `"issuer"`) {
			t.Fatalf("PUT with a dead issuer: %d %s, want 400 naming issuer", res.Status, res.Body)
		}
	})
	t.Run("a plain-http issuer off loopback is refused", func(t *testing.T) {
		e := w.e.For(t)
		res := e.Do(apptest.Req{Method: "PUT", Path: path, Token: w.owner.Token, Body: map[string]any{
			"issuer": "http://idp.example.com", "clientId": "c", "clientSecret": "s", "domains": []string{w.domain}}})
		if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), `"issuer"`) {
			t.Fatalf("PUT with an http issuer: %d %s, want 400 naming issuer", res.Status, res.Body)
		}
	})
	t.Run("a domain verified by another organization is a conflict", func(t *testing.T) {
		e := w.e.For(t)
		other := e.SignUp(nil)
		var rec struct{ TXTName, TXTValue string }
		e.Must(http.StatusCreated, apptest.Req{Method: "POST", Path: "/v1/organizations/" + other.OrgID + "/domains", Token: other.Token, Body: map[string]any{"domain": w.domain}}).Decode(t, &rec)
		verify := apptest.Req{Method: "POST", Path: "/v1/organizations/" + other.OrgID + "/domains/" + w.domain + "/verify", Token: other.Token}
		if res := e.Do(verify); res.Status != http.StatusBadRequest {
			t.Fatalf("verify without the TXT record: %d %s, want 400", res.Status, res.Body)
		}
		w.dns.publish(rec.TXTName, rec.TXTValue)
		if res := e.Do(verify); res.Status != http.StatusConflict {
			t.Fatalf("verify a domain another organization holds: %d %s, want 409", res.Status, res.Body)
		}
	})
	t.Run("removing the configuration turns sign-in off", func(t *testing.T) {
		e := w.e.For(t)
		e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: path, Token: w.owner.Token})
		e.Must(http.StatusNotFound, apptest.Req{Method: "POST", Path: "/v1/auth/sso/start", Body: map[string]any{"email": "a@" + w.domain}})
	})
}
