package connections_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav/caldav"
	"github.com/oauth2-proxy/mockoidc"
)

// Local stand-ins of the providers: a real OAuth 2.0 / OpenID server
// (mockoidc) for authorize, token and refresh; a real CalDAV server (the
// server side of go-webdav) seeded with two calendars; and small handlers
// for the provider API calls in their documented response shapes.

const (
	appleID     = "ada@icloud.example"
	appPassword = "abcd-efgh-ijkl-mnop"
)

// providers are the running stand-ins.
type providers struct {
	OIDC   *mockoidc.MockOIDC
	API    *httptest.Server
	CalDAV *httptest.Server

	mu      sync.Mutex
	bearers map[string]bool // access tokens the API saw
	revoked []string        // tokens posted to a revocation endpoint
}

func (p *providers) Bearers() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for t := range p.bearers {
		out = append(out, t)
	}
	return out
}

func (p *providers) Revoked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.revoked...)
}

func startProviders(t *testing.T) *providers {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	// mockoidc writes expires_in as a Go duration's integer: 600 is read
	// as 600 seconds by OAuth clients.
	m.AccessTTL = 600
	if err := m.Start(mustListen(t), nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	p := &providers{OIDC: m, bearers: map[string]bool{}}
	p.API = httptest.NewServer(p.apiHandler())
	t.Cleanup(p.API.Close)
	p.CalDAV = httptest.NewServer(calDAVHandler())
	t.Cleanup(p.CalDAV.Close)
	return p
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (p *providers) apiHandler() http.Handler {
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
			"personal_meeting_url": "https://zoom.us/j/1234567890?pwd=abc"})
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
	return mux
}

// calDAVHandler is a real CalDAV server for one Apple ID with two
// calendars, behind basic authentication.
func calDAVHandler() http.Handler {
	h := &caldav.Handler{Backend: &calBackend{}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, pw, ok := r.BasicAuth()
		if !ok || u != appleID || pw != appPassword {
			w.Header().Set("WWW-Authenticate", `Basic realm="iCloud"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

type calBackend struct{}

var seeded = []caldav.Calendar{
	{Path: "/1234/calendars/home/", Name: "Home", SupportedComponentSet: []string{"VEVENT"}},
	{Path: "/1234/calendars/work/", Name: "Work", SupportedComponentSet: []string{"VEVENT"}},
}

var errUnsupported = errors.New("not supported by the stand-in")

// go-webdav tells resources apart by depth: principal, home set, calendar.
func (calBackend) CurrentUserPrincipal(context.Context) (string, error) { return "/1234/", nil }
func (calBackend) CalendarHomeSetPath(context.Context) (string, error) {
	return "/1234/calendars/", nil
}
func (calBackend) CreateCalendar(context.Context, *caldav.Calendar) error { return errUnsupported }
func (calBackend) ListCalendars(context.Context) ([]caldav.Calendar, error) {
	return append([]caldav.Calendar(nil), seeded...), nil
}
func (calBackend) GetCalendar(_ context.Context, path string) (*caldav.Calendar, error) {
	for _, c := range seeded {
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

// syncBuffer collects log lines written concurrently.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
