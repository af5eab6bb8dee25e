package main

// Single sign-on on this machine (see docs/sso.md): `make run` starts a
// real OpenID Connect provider (github.com/oauth2-proxy/mockoidc) on
// 127.0.0.1:OIDC_PORT (8011) and a DNS server on 127.0.0.1:DNS_PORT (8053,
// UDP) that the API asks for domain proofs (DNS_RESOLVER points at it).
//
// The provider signs in, without a password page, whoever the
// authorization request's login_hint names (POST /v1/auth/sso/start sends
// the address typed), with email_verified true: any address works. Its
// client id is OIDC_CLIENT_ID (myprofile-local), its secret OIDC_CLIENT_SECRET
// (default: random at each start); both are printed with a curl sequence.
//
// The DNS server answers each TXT question for _myprofile-challenge.<domain>
// with the values of the claims on <domain> the table holds (POST
// /v1/organizations/{id}/domains): locally every added domain counts as
// published, so verifying it succeeds at once, and the one-organization-
// per-domain rule (409) still applies. Set DNS_RESOLVER to use a server of
// your own instead (then no server is started and records are yours to
// publish).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/golang-jwt/jwt/v5"
	"github.com/miekg/dns"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/example/myprofile/shared/sso"
	"github.com/example/myprofile/shared/store"
)

const (
	defaultOIDCPort     = 8011
	defaultDNSPort      = 8053
	defaultOIDCClientID = "myprofile-local"
	// claimSKPrefix is the sort key of an organization's domain claim,
	// ORG#<oid> / DOMAIN#<domain> (shared/store/ssodb, listed in
	// shared/store/keys.go).
	claimSKPrefix = "DOMAIN#"
)

// ssoSettings are the local provider's and DNS server's settings.
type ssoSettings struct {
	oidcPort, dnsPort      int
	clientID, clientSecret string
	resolver               string // DNS_RESOLVER already set: no DNS server
	redirectURL            string // SSO_REDIRECT_URL already set
}

func readSSOSettings(getenv func(string) string) (ssoSettings, error) {
	s := ssoSettings{oidcPort: defaultOIDCPort, dnsPort: defaultDNSPort, clientID: defaultOIDCClientID,
		clientSecret: getenv("OIDC_CLIENT_SECRET"), resolver: getenv("DNS_RESOLVER"), redirectURL: getenv("SSO_REDIRECT_URL")}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"OIDC_PORT", &s.oidcPort}, {"DNS_PORT", &s.dnsPort}} {
		if v := getenv(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 65535 {
				return s, fmt.Errorf("%s=%q: want a port number 1-65535 (0: any free port)", p.name, v)
			}
			*p.dst = n
		}
	}
	if v := getenv("OIDC_CLIENT_ID"); v != "" {
		s.clientID = v
	}
	return s, nil
}

// localSSO is the running provider and DNS server.
type localSSO struct {
	idp      *mockoidc.MockOIDC
	dns      *dns.Server // nil when DNS_RESOLVER was set
	resolver string      // the DNS_RESOLVER the API uses
	api      string
}

// startLocalSSO starts the provider and, unless DNS_RESOLVER is set, the
// DNS server reading claims from table; it sets DNS_RESOLVER and (unless
// set) SSO_REDIRECT_URL for the app, which reads them when it loads. api is
// the gateway's origin.
func startLocalSSO(ctx context.Context, log *slog.Logger, getenv func(string) string, setenv func(string, string) error, db dynamodb.ScanAPIClient, table, api string) (*localSSO, error) {
	s, err := readSSOSettings(getenv)
	if err != nil {
		return nil, err
	}
	l := &localSSO{api: api, resolver: s.resolver}
	if l.idp, err = startProvider(s); err != nil {
		return nil, err
	}
	if s.resolver == "" {
		pc, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.dnsPort)))
		if err != nil {
			l.Stop()
			return nil, fmt.Errorf("local DNS: listen on 127.0.0.1:%d (set DNS_PORT to use another, or DNS_RESOLVER to use your own server): %w", s.dnsPort, err)
		}
		if l.dns, err = startClaimsDNS(ctx, log, pc, db, table); err != nil {
			l.Stop()
			return nil, err
		}
		l.resolver = l.dns.PacketConn.LocalAddr().String()
	}
	env := map[string]string{"DNS_RESOLVER": l.resolver}
	if s.redirectURL == "" {
		// The gateway's page at /sso/callback: the code and state are in
		// the address bar (the curl sequence reads them from the redirect).
		env["SSO_REDIRECT_URL"] = api + "/sso/callback"
	}
	for k, v := range env {
		if err := setenv(k, v); err != nil {
			l.Stop()
			return nil, fmt.Errorf("set %s: %w", k, err)
		}
	}
	log.Info("local OpenID provider", "issuer", l.idp.Issuer(), "clientId", l.idp.ClientID, "dnsResolver", l.resolver)
	return l, nil
}

// Stop stops the provider and the DNS server.
func (l *localSSO) Stop() {
	if l.idp != nil && l.idp.Server != nil {
		_ = l.idp.Shutdown()
	}
	if l.dns != nil {
		_ = l.dns.Shutdown()
	}
}

// startProvider starts mockoidc on 127.0.0.1:port, signing in the
// login_hint's address.
func startProvider(s ssoSettings) (*mockoidc.MockOIDC, error) {
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		return nil, fmt.Errorf("local OpenID provider: %w", err)
	}
	m.ClientID = s.clientID
	if s.clientSecret != "" {
		m.ClientSecret = s.clientSecret
	}
	m.CodeChallengeMethodsSupported = []string{"S256"}
	if err := m.AddMiddleware(signInHint(m)); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.oidcPort)))
	if err != nil {
		return nil, fmt.Errorf("local OpenID provider: listen on 127.0.0.1:%d (set OIDC_PORT to use another): %w", s.oidcPort, err)
	}
	if err := m.Start(ln, nil); err != nil {
		ln.Close()
		return nil, fmt.Errorf("local OpenID provider: %w", err)
	}
	return m, nil
}

// signInHint makes the authorization endpoint sign in the address of the
// request's login_hint (mockoidc signs in the next queued user). Requests
// are served one at a time so that each gets its own user.
func signInHint(m *mockoidc.MockOIDC) func(http.Handler) http.Handler {
	var mu sync.Mutex
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != mockoidc.AuthorizationEndpoint {
				next.ServeHTTP(w, r)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			var users []mockoidc.User
			if email := strings.TrimSpace(r.URL.Query().Get("login_hint")); strings.Contains(email, "@") {
				users = []mockoidc.User{hintUser(strings.ToLower(email))}
			}
			m.UserQueue.Lock()
			m.UserQueue.Queue = users // none: mockoidc's default user
			m.UserQueue.Unlock()
			next.ServeHTTP(w, r)
			m.UserQueue.Lock()
			m.UserQueue.Queue = nil // a request refused before signing in leaves none behind
			m.UserQueue.Unlock()
		})
	}
}

// hintUser is the person the local provider signs in: a verified address,
// its local part as the given name.
type hintUser string

func (u hintUser) ID() string { return "local:" + string(u) }

func (u hintUser) Userinfo([]string) ([]byte, error) {
	return []byte(fmt.Sprintf(`{"sub":%q,"email":%q,"email_verified":true}`, u.ID(), string(u))), nil
}

func (u hintUser) Claims(_ []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	local, _, _ := strings.Cut(string(u), "@")
	given := local
	if r, n := utf8.DecodeRuneInString(local); n > 0 {
		given = string(unicode.ToUpper(r)) + local[n:]
	}
	return jwt.MapClaims{
		"iss": c.Issuer, "aud": []string(c.Audience), "exp": c.ExpiresAt.Unix(), "iat": c.IssuedAt.Unix(),
		"sub": u.ID(), "nonce": c.Nonce, "email": string(u), "email_verified": true,
		"given_name": given, "family_name": "Local",
	}, nil
}

// startClaimsDNS serves, on pc (UDP), the TXT records of the domain claims
// in table.
func startClaimsDNS(ctx context.Context, log *slog.Logger, pc net.PacketConn, db dynamodb.ScanAPIClient, table string) (*dns.Server, error) {
	srv := &dns.Server{PacketConn: pc, Handler: claimsDNS(ctx, log, db, table)}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() {
		if err := srv.ActivateAndServe(); err != nil {
			log.Error("local DNS stopped", "err", err)
		}
	}()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		_ = srv.Shutdown()
		return nil, errors.New("local DNS: did not start")
	}
	return srv, nil
}

// claimsDNS answers TXT questions for _myprofile-challenge.<domain> with the
// expected value of every organization's claim on <domain>; other names
// have no records.
func claimsDNS(ctx context.Context, log *slog.Logger, db dynamodb.ScanAPIClient, table string) dns.Handler {
	return dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Authoritative = true
		for _, q := range r.Question {
			name := strings.ToLower(q.Name)
			if q.Qtype != dns.TypeTXT || !strings.HasPrefix(name, sso.TXTPrefix) {
				continue
			}
			qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			values, err := claimValues(qctx, db, table, strings.TrimSuffix(strings.TrimPrefix(name, sso.TXTPrefix), "."))
			cancel()
			if err != nil {
				log.Error("local DNS: read claims", "name", name, "err", err)
				m.Rcode = dns.RcodeServerFailure
				break
			}
			for _, v := range values {
				m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 0}, Txt: []string{v}})
			}
		}
		if m.Rcode == dns.RcodeSuccess && len(m.Answer) == 0 {
			m.Rcode = dns.RcodeNameError
		}
		_ = w.WriteMsg(m)
	})
}

// claimValues returns the TXT values of the claims on domain (a scan: the
// local table is small).
func claimValues(ctx context.Context, db dynamodb.ScanAPIClient, table, domain string) ([]string, error) {
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{
		TableName:                 aws.String(table),
		FilterExpression:          aws.String("sk = :sk AND begins_with(pk, :org)"),
		ExpressionAttributeValues: store.Item{":sk": store.S(claimSKPrefix + domain), ":org": store.S(store.PrefixOrg)},
		ConsistentRead:            aws.Bool(true),
	})
	var out []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			var d sso.Domain
			if err := store.Unmarshal(it, &d); err != nil {
				return nil, err
			}
			out = append(out, d.TXTValue())
		}
	}
	return out, nil
}

// printGuide writes the provider's settings and a curl sequence that
// configures an organization and signs in through the provider; ses is the
// SES emulator (the sign-up code is read from it).
func (l *localSSO) printGuide(w io.Writer, ses string) {
	fmt.Fprintf(w, `  Single sign-on (docs/sso.md): OpenID provider %s
    client id %s   client secret %s   (any address signs in, verified)
    DNS for domain proofs %s   (answers every claimed domain's TXT record)
    Try it (bash, curl, jq):
API=%s SES=%s ISSUER=%s CLIENT_ID=%s CLIENT_SECRET=%s
OWNER=boss@acme.test; J='Content-Type: application/json'
curl -s $API/v1/auth/signup -H "$J" -d '{"email":"'$OWNER'","password":"Correct-Horse-42-battery","firstName":"Ada","lastName":"Lovelace"}'
SIGNUP_CODE=$(curl -s $SES/store | jq -r --arg to $OWNER '[.emails[]|select(.destination.to|index($to))]|last|.body.text' | grep -oE '^ *[0-9]{6} *$' | tr -d ' ')
OUT=$(curl -s $API/v1/auth/signup/confirm -H "$J" -d '{"email":"'$OWNER'","code":"'$SIGNUP_CODE'"}')
TOKEN=$(jq -r .session.token <<<"$OUT"); ORG=$(jq -r .user.organizationId <<<"$OUT"); AUTH="Authorization: Bearer $TOKEN"
curl -s $API/v1/organizations/$ORG/domains -H "$AUTH" -H "$J" -d '{"domain":"acme.test"}'
curl -s -X POST $API/v1/organizations/$ORG/domains/acme.test/verify -H "$AUTH"
curl -s -X PUT $API/v1/organizations/$ORG/sso -H "$AUTH" -H "$J" -d '{"issuer":"'$ISSUER'","clientId":"'$CLIENT_ID'","clientSecret":"'$CLIENT_SECRET'","domains":["acme.test"],"enforce":true}'
URL=$(curl -s $API/v1/auth/sso/start -H "$J" -d '{"email":"grace@acme.test"}' | jq -r .authorizationUrl)
LOC=$(curl -s -o /dev/null -w '%%{redirect_url}' "$URL")
CODE=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$LOC"); STATE=$(sed -n 's/.*[?&]state=\([^&]*\).*/\1/p' <<<"$LOC")
curl -s $API/v1/auth/sso/callback -H "$J" -d '{"code":"'$CODE'","state":"'$STATE'"}'

`, l.idp.Issuer(), l.idp.ClientID, l.idp.ClientSecret, l.resolver, l.api, ses, l.idp.Issuer(), l.idp.ClientID, l.idp.ClientSecret)
}
