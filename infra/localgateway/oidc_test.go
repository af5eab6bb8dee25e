package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/app/ssowire"
	"github.com/example/myprofile/shared/sso"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/ssodb"
)

func TestReadSSOSettings(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	s, err := readSSOSettings(env(nil))
	if err != nil || s.oidcPort != defaultOIDCPort || s.dnsPort != defaultDNSPort || s.clientID != defaultOIDCClientID || s.clientSecret != "" {
		t.Fatalf("defaults = %+v, %v", s, err)
	}
	s, err = readSSOSettings(env(map[string]string{"OIDC_PORT": "9001", "DNS_PORT": "0", "OIDC_CLIENT_ID": "c", "OIDC_CLIENT_SECRET": "x"}))
	if err != nil || s.oidcPort != 9001 || s.dnsPort != 0 || s.clientID != "c" || s.clientSecret != "x" {
		t.Fatalf("set = %+v, %v", s, err)
	}
	for _, bad := range []map[string]string{{"OIDC_PORT": "http"}, {"DNS_PORT": "70000"}, {"DNS_PORT": "-1"}} {
		if _, err := readSSOSettings(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// startLocalSSO sets what the app reads: DNS_RESOLVER to its DNS server and
// SSO_REDIRECT_URL to the gateway's page, but keeps values already set.
func TestStartLocalSSOSetsTheAppsEnvironment(t *testing.T) {
	db, table := testenv.DynamoDB(t)
	for _, tc := range []struct {
		name         string
		env          map[string]string
		wantResolver string
		wantRedirect string
		wantDNS      bool
	}{
		{name: "defaults", env: map[string]string{"OIDC_PORT": "0", "DNS_PORT": "0"}, wantRedirect: "http://127.0.0.1:1/sso/callback", wantDNS: true},
		{name: "own resolver and redirect", env: map[string]string{"OIDC_PORT": "0", "DNS_RESOLVER": "10.0.0.53:53", "SSO_REDIRECT_URL": "https://app.example.com/cb"},
			wantResolver: "10.0.0.53:53"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := map[string]string{}
			l, err := startLocalSSO(t.Context(), slog.New(slog.DiscardHandler), func(k string) string { return tc.env[k] },
				func(k, v string) error { set[k] = v; return nil }, db, table, "http://127.0.0.1:1")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(l.Stop)
			if (l.dns != nil) != tc.wantDNS {
				t.Fatalf("DNS server started = %v, want %v", l.dns != nil, tc.wantDNS)
			}
			want := tc.wantResolver
			if tc.wantDNS {
				want = l.dns.PacketConn.LocalAddr().String()
			}
			if set["DNS_RESOLVER"] != want || set["SSO_REDIRECT_URL"] != tc.wantRedirect {
				t.Fatalf("set %v, want DNS_RESOLVER %q and SSO_REDIRECT_URL %q", set, want, tc.wantRedirect)
			}
			res, err := http.Get(l.idp.Issuer() + "/.well-known/openid-configuration")
			if err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("discovery: %v %v", res, err)
			}
			res.Body.Close()
		})
	}
}

// The DNS server answers a claim's TXT record from the table, nothing else.
func TestClaimsDNS(t *testing.T) {
	db, table := testenv.DynamoDB(t)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := startClaimsDNS(t.Context(), slog.New(slog.DiscardHandler), pc, db, table)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown() })
	st := ssodb.New(store.New(db, table))
	domain := "acme-" + testenv.RandomID(t) + ".test"
	claims := []sso.Domain{{OrgID: "o1", Domain: domain, Token: "t1"}, {OrgID: "o2", Domain: domain, Token: "t2"}, {OrgID: "o1", Domain: "other-" + domain, Token: "t3"}}
	for _, d := range claims {
		if err := st.PutDomain(t.Context(), d); err != nil {
			t.Fatal(err)
		}
	}
	r := ssowire.Resolver(pc.LocalAddr().String())
	got, err := r.LookupTXT(t.Context(), claims[0].TXTName())
	if err != nil || len(got) != 2 || !strings.Contains(strings.Join(got, " "), claims[0].TXTValue()) || !strings.Contains(strings.Join(got, " "), claims[1].TXTValue()) {
		t.Fatalf("TXT %s = %v, %v; want the two claims' values", claims[0].TXTName(), got, err)
	}
	for _, name := range []string{sso.TXTPrefix + "unclaimed-" + domain, domain} {
		if got, err := r.LookupTXT(t.Context(), name); err == nil {
			t.Errorf("TXT %s = %v, want no records", name, got)
		}
	}
}

// The curl sequence make run prints works: run against the API with the
// local provider and DNS server, it signs grace@acme.test in just in time.
func TestPrintedSSOSequenceSignsIn(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := apptest.New(t, &apptest.Options{Env: map[string]string{"DNS_RESOLVER": pc.LocalAddr().String()}})
	db, _ := testenv.DynamoDB(t) // a client; the table is the app's
	dnsSrv, err := startClaimsDNS(t.Context(), slog.New(slog.DiscardHandler), pc, db, e.Table)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dnsSrv.Shutdown() })
	idp, err := startProvider(ssoSettings{clientID: defaultOIDCClientID})
	if err != nil {
		t.Fatal(err)
	}
	l := &localSSO{idp: idp, dns: dnsSrv, resolver: pc.LocalAddr().String(), api: e.Server.URL}
	t.Cleanup(l.Stop)

	var guide bytes.Buffer
	l.printGuide(&guide, e.SESEndpoint)
	_, script, ok := strings.Cut(guide.String(), "Try it (bash, curl, jq):\n")
	if !ok || !strings.Contains(script, idp.ClientSecret) || !strings.Contains(script, idp.Issuer()) {
		t.Fatalf("guide lacks the sequence or the provider's values:\n%s", guide.String())
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("sequence: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var out struct{ Session struct{ Token string } }
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &out); err != nil || out.Session.Token == "" {
		t.Fatalf("the callback's answer has no session: %s", stdout.String())
	}
	me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: out.Session.Token}).JSON()
	if me["email"] != "grace@acme.test" || me["ssoManaged"] != true || me["firstName"] != "Grace" {
		t.Fatalf("signed-in user = %v, want grace@acme.test, SSO-managed", me)
	}
}
