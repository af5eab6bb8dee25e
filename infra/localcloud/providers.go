package localcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav/caldav"
	"github.com/oauth2-proxy/mockoidc"
)

// The connected-account stand-ins (shared/connections): a real OAuth 2.0 /
// OpenID server (mockoidc) for Zoom, Google and Microsoft; a real CalDAV
// server (the server side of go-webdav) for iCloud, seeded with two
// calendars; and small handlers for the provider API calls that have no
// local server, in the providers' documented response shapes. `make run`
// (infra/localgateway) and the connections end-to-end test use them.

// The iCloud stand-in's one account.
const (
	LocalAppleID     = "ada@icloud.example"
	LocalAppPassword = "abcd-efgh-ijkl-mnop"
)

// LocalZoomMeetingURL is the Zoom stand-in's personal meeting link.
const LocalZoomMeetingURL = "https://zoom.us/j/1234567890?pwd=abc"

// Providers are the running stand-ins.
type Providers struct {
	// OIDC is the authorization server (authorize, token, refresh); its
	// ClientID and ClientSecret are the client of every OAuth provider.
	OIDC *mockoidc.MockOIDC
	// APIURL serves /zoom/v2, /google, /graph (the API bases), /token (a
	// token endpoint that also takes client credentials in a Basic
	// header, as Zoom sends them) and /revoke (RFC 7009).
	APIURL string
	// CalDAVURL is the iCloud stand-in (basic auth LocalAppleID,
	// LocalAppPassword).
	CalDAVURL string

	servers []*http.Server
	mu      sync.Mutex
	bearers map[string]bool // access tokens the API saw
	revoked []string        // tokens posted to /revoke
}

// StartProviders starts the stand-ins on free ports of 127.0.0.1. Stop
// them with Stop.
func StartProviders(ctx context.Context) (*Providers, error) {
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		return nil, fmt.Errorf("mockoidc: %w", err)
	}
	// mockoidc writes expires_in as the Duration's integer: 600 is read
	// as 600 seconds by OAuth clients.
	m.AccessTTL = 600
	ln, err := listenLocal(ctx)
	if err != nil {
		return nil, err
	}
	if err := m.Start(ln, nil); err != nil {
		return nil, fmt.Errorf("mockoidc: %w", err)
	}
	p := &Providers{OIDC: m, bearers: map[string]bool{}}
	if p.APIURL, err = p.serve(ctx, p.apiHandler()); err != nil {
		p.Stop()
		return nil, err
	}
	if p.CalDAVURL, err = p.serve(ctx, calDAVHandler()); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

func listenLocal(ctx context.Context) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1: %w", err)
	}
	return ln, nil
}

func (p *Providers) serve(ctx context.Context, h http.Handler) (string, error) {
	ln, err := listenLocal(ctx)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	p.servers = append(p.servers, srv)
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// Stop stops every stand-in.
func (p *Providers) Stop() {
	for _, s := range p.servers {
		_ = s.Close()
	}
	if p.OIDC != nil {
		_ = p.OIDC.Shutdown()
	}
}

// Bearers are the access tokens the provider APIs were called with.
func (p *Providers) Bearers() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.bearers))
	for t := range p.bearers {
		out = append(out, t)
	}
	return out
}

// Revoked are the tokens posted to the revocation endpoint, in order.
func (p *Providers) Revoked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.revoked...)
}

// Env is the configuration that points shared/connections at the
// stand-ins (CONNECTIONS_*; docs/configuration.md), client credentials
// included: local values only.
func (p *Providers) Env() map[string]string {
	env := map[string]string{"CONNECTIONS_ICLOUD_CALDAV_URL": p.CalDAVURL}
	for name, base := range map[string]string{"ZOOM": "/zoom/v2", "GOOGLE": "/google", "MICROSOFT": "/graph"} {
		pre := "CONNECTIONS_" + name + "_"
		env[pre+"AUTH_URL"] = p.OIDC.AuthorizationEndpoint()
		env[pre+"TOKEN_URL"] = p.APIURL + "/token"
		env[pre+"API_URL"] = p.APIURL + base
		env[pre+"CLIENT_ID"] = p.OIDC.ClientID
		env[pre+"CLIENT_SECRET"] = p.OIDC.ClientSecret
		if name != "MICROSOFT" { // Microsoft has no revocation endpoint
			env[pre+"REVOKE_URL"] = p.APIURL + "/revoke"
		}
		for _, purpose := range []string{"CALENDAR", "MAIL", "MEETINGS"} {
			env[pre+"SCOPES_"+purpose] = "openid email" // what mockoidc grants
		}
	}
	return env
}

// Setenv sets the variables of Env that are not set already and logs
// where the stand-ins listen.
func (p *Providers) Setenv(log *slog.Logger) error {
	for k, v := range p.Env() {
		if _, set := os.LookupEnv(k); set {
			continue
		}
		if err := os.Setenv(k, v); err != nil {
			return fmt.Errorf("set %s: %w", k, err)
		}
	}
	log.Info("connected-account stand-ins", "oauth", p.OIDC.Issuer(), "providerAPIs", p.APIURL,
		"caldav", p.CalDAVURL, "appleId", LocalAppleID)
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (p *Providers) apiHandler() http.Handler {
	mux := http.NewServeMux()
	bearer := func(next http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || tok == "" {
				http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
				return
			}
			p.mu.Lock()
			p.bearers[tok] = true
			p.mu.Unlock()
			next(w, r)
		}
	}
	// Zoom: GET /v2/users/me.
	mux.HandleFunc("GET /zoom/v2/users/me", bearer(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"id": "KdYKjnimT4KPd8FFgQt9FQ", "email": "ada@zoom.example", "type": 2,
			"personal_meeting_url": LocalZoomMeetingURL})
	}))
	// Google: GET /calendar/v3/users/me/calendarList.
	mux.HandleFunc("GET /google/calendar/v3/users/me/calendarList", bearer(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"kind": "calendar#calendarList", "items": []map[string]any{
			{"kind": "calendar#calendarListEntry", "id": "ada@gmail.example", "summary": "Ada", "primary": true, "accessRole": "owner"},
			{"kind": "calendar#calendarListEntry", "id": "en.usa#holiday@group.v.calendar.google.com", "summary": "Holidays", "accessRole": "reader"},
		}})
	}))
	// Microsoft Graph: GET /v1.0/me and /v1.0/me/calendars.
	mux.HandleFunc("GET /graph/v1.0/me", bearer(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"id": "87d349ed", "mail": "ada@outlook.example", "userPrincipalName": "ada@outlook.example"})
	}))
	mux.HandleFunc("GET /graph/v1.0/me/calendars", bearer(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"value": []map[string]any{
			{"id": "AAMkAGI2TGuLAAA=", "name": "Calendar", "canEdit": true, "isDefaultCalendar": true},
			{"id": "AAMkAGI2TGuLAAB=", "name": "Birthdays", "canEdit": false, "isDefaultCalendar": false},
		}})
	}))
	// RFC 7009 revocation (Zoom and Google have one).
	mux.HandleFunc("POST /revoke", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		p.mu.Lock()
		p.revoked = append(p.revoked, r.PostForm.Get("token"))
		p.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})
	// The token endpoint: mockoidc reads the client from the form only;
	// Zoom's clients send it in a Basic header (RFC 6749 2.3.1).
	mux.HandleFunc("POST /token", p.token)
	return mux
}

func (p *Providers) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	form := r.PostForm
	if id, secret, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, p.OIDC.TokenEndpoint(), strings.NewReader(form.Encode()))
	if err != nil {
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	w.Header().Set("Content-Type", res.Header.Get("Content-Type"))
	w.WriteHeader(res.StatusCode)
	_, _ = io.Copy(w, res.Body)
}

// calDAVHandler is a real CalDAV server for one Apple ID with two
// calendars, behind basic authentication.
func calDAVHandler() http.Handler {
	h := &caldav.Handler{Backend: calBackend{}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, pw, ok := r.BasicAuth()
		if !ok || u != LocalAppleID || pw != LocalAppPassword {
			w.Header().Set("WWW-Authenticate", `Basic realm="iCloud"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

type calBackend struct{}

func seededCalendars() []caldav.Calendar {
	return []caldav.Calendar{
		{Path: "/1234/calendars/home/", Name: "Home", SupportedComponentSet: []string{"VEVENT"}},
		{Path: "/1234/calendars/work/", Name: "Work", SupportedComponentSet: []string{"VEVENT"}},
	}
}

var errUnsupported = errors.New("not supported by the stand-in")

// go-webdav tells resources apart by depth: principal, home set, calendar.
func (calBackend) CurrentUserPrincipal(context.Context) (string, error) { return "/1234/", nil }
func (calBackend) CalendarHomeSetPath(context.Context) (string, error) {
	return "/1234/calendars/", nil
}
func (calBackend) CreateCalendar(context.Context, *caldav.Calendar) error { return errUnsupported }
func (calBackend) ListCalendars(context.Context) ([]caldav.Calendar, error) {
	return seededCalendars(), nil
}
func (calBackend) GetCalendar(_ context.Context, path string) (*caldav.Calendar, error) {
	for _, c := range seededCalendars() {
		if c.Path == path {
			return &c, nil
		}
	}
	return nil, errUnsupported
}
func (calBackend) GetCalendarObject(context.Context, string, *caldav.CalendarCompRequest) (*caldav.CalendarObject, error) {
	return nil, errUnsupported
}
func (calBackend) ListCalendarObjects(context.Context, string, *caldav.CalendarCompRequest) ([]caldav.CalendarObject, error) {
	return nil, nil
}
func (calBackend) QueryCalendarObjects(context.Context, string, *caldav.CalendarQuery) ([]caldav.CalendarObject, error) {
	return nil, nil
}
func (calBackend) PutCalendarObject(context.Context, string, *ical.Calendar, *caldav.PutCalendarObjectOptions) (*caldav.CalendarObject, error) {
	return nil, errUnsupported
}
func (calBackend) DeleteCalendarObject(context.Context, string) error { return errUnsupported }
