package connections_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/oauth2"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/app/connectionswire"
	"github.com/example/myprofile/shared/connections"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/store/connectionsdb"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type fixture struct {
	*apptest.Env
	P      *localcloud.Providers
	Events *connections.Recorder
	Logs   *syncBuffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	p := startProviders(t)
	rec := &connections.Recorder{}
	logs := &syncBuffer{}
	cfg := connections.Defaults()
	cfg.RedirectURL = "http://127.0.0.1:3000/connections/callback"
	cfg.CalDAVURL = p.CalDAVURL
	for name, base := range map[string]string{connections.Zoom: "/zoom/v2", connections.Google: "/google", connections.Microsoft: "/graph"} {
		pc := cfg.Providers[name]
		pc.AuthURL, pc.TokenURL = p.OIDC.AuthorizationEndpoint(), p.OIDC.TokenEndpoint()
		pc.APIBase = p.APIURL + base
		pc.AuthStyle = oauth2.AuthStyleInParams // mockoidc reads the client from the form
		if pc.RevokeURL != "" {
			pc.RevokeURL = p.APIURL + "/revoke"
		}
		for purpose := range pc.Scopes {
			pc.Scopes[purpose] = []string{"openid", "email"} // what mockoidc supports
		}
		cfg.Providers[name] = pc
	}
	clients := connectionswire.StaticClients{}
	for _, name := range []string{connections.Zoom, connections.Google, connections.Microsoft} {
		clients[name] = [2]string{p.OIDC.ClientID, p.OIDC.ClientSecret}
	}
	env := apptest.New(t, &apptest.Options{Configure: func(d *app.Deps) {
		d.Log = slog.New(request.NewLogHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		d.SetClient(connectionswire.ConfigName, cfg)
		d.SetClient(connectionswire.ClientsName, connections.ClientSource(clients))
		d.SetClient(connectionswire.PublisherName, connections.Publisher(rec))
	}})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	return &fixture{Env: env, P: p, Events: rec, Logs: logs}
}

// authorize follows the authorization URL as a browser would and returns
// the code and state the provider redirects back with.
func authorize(t testing.TB, authURL string) (code, state string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d, want 302", res.StatusCode)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query().Get("code"), loc.Query().Get("state")
}

func (f *fixture) start(u apptest.User, provider, purpose string) string {
	f.T.Helper()
	res := f.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/connections/" + provider + "/start", Token: u.Token,
		Body: map[string]any{"purpose": purpose}})
	var out struct {
		AuthorizationURL string `json:"authorizationUrl"`
	}
	res.Decode(f.T, &out)
	q, _ := url.Parse(out.AuthorizationURL)
	if q.Query().Get("code_challenge_method") != "S256" || q.Query().Get("code_challenge") == "" {
		f.T.Fatalf("authorization URL without a PKCE S256 challenge: %s", out.AuthorizationURL)
	}
	return out.AuthorizationURL
}

type conn struct {
	ID       string   `json:"id"`
	Provider string   `json:"provider"`
	Account  string   `json:"account"`
	Status   string   `json:"status"`
	Purposes []string `json:"purposes"`
	MailSync struct {
		Enabled bool `json:"enabled"`
	} `json:"mailSync"`
	MeetingURL string `json:"meetingUrl"`
}

func (f *fixture) connect(u apptest.User, provider, purpose string) conn {
	f.T.Helper()
	code, state := authorize(f.T, f.start(u, provider, purpose))
	res := f.Must(http.StatusCreated, apptest.Req{Method: "POST", Path: "/v1/me/connections/" + provider + "/callback", Token: u.Token,
		Body: map[string]any{"code": code, "state": state}})
	var c conn
	res.Decode(f.T, &c)
	return c
}

type calendar struct {
	ID           string `json:"id"`
	ConnectionID string `json:"connectionId"`
	Name         string `json:"name"`
	Primary      bool   `json:"primary"`
	ReadOnly     bool   `json:"readOnly"`
}

func (f *fixture) calendars(u apptest.User) map[string]calendar {
	f.T.Helper()
	var cals []calendar
	f.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/calendars", Token: u.Token}).Decode(f.T, &cals)
	out := map[string]calendar{}
	for _, c := range cals {
		out[c.Name] = c
	}
	return out
}

func (f *fixture) service() *connections.Service {
	f.T.Helper()
	s, err := connectionswire.Service(f.Deps.Deps)
	if err != nil {
		f.T.Fatal(err)
	}
	return s
}

func TestConnectedAccountsEndToEnd(t *testing.T) {
	f := newFixture(t)
	ada := f.SignUp(nil)
	bob := f.SignUp(nil)

	google := f.connect(ada, connections.Google, connections.PurposeCalendar)
	if google.Account != "ada@gmail.example" || google.Status != "active" {
		t.Fatalf("google connection = %+v", google)
	}
	zoom := f.connect(ada, connections.Zoom, connections.PurposeMeetings)
	if zoom.MeetingURL != "https://zoom.us/j/1234567890?pwd=abc" || zoom.Account != "ada@zoom.example" {
		t.Fatalf("zoom connection = %+v", zoom)
	}
	ms := f.connect(ada, connections.Microsoft, connections.PurposeMail)
	if ms.Account != "ada@outlook.example" || !slices.Contains(ms.Purposes, "mail") {
		t.Fatalf("microsoft connection = %+v", ms)
	}

	t.Run("iCloud with a wrong app password is refused with a clear message", func(t *testing.T) {
		e := f.For(t)
		res := e.Must(http.StatusBadRequest, apptest.Req{Method: "POST", Path: "/v1/me/connections/icloud", Token: ada.Token,
			Body: map[string]any{"appleId": appleID, "appPassword": "wrong-pass-word-xxxx"}})
		if !strings.Contains(string(res.Body), "appPassword") || !strings.Contains(string(res.Body), "app-specific password") {
			t.Fatalf("body %s does not name the field and the fix", res.Body)
		}
	})
	var icloud conn
	f.Must(http.StatusCreated, apptest.Req{Method: "POST", Path: "/v1/me/connections/icloud", Token: ada.Token,
		Body: map[string]any{"appleId": appleID, "appPassword": appPassword}}).Decode(t, &icloud)

	t.Run("the list shows every connection and no credential", func(t *testing.T) {
		e := f.For(t)
		res := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/connections", Token: ada.Token})
		var cs []conn
		res.Decode(t, &cs)
		if len(cs) != 4 {
			t.Fatalf("got %d connections, want 4: %s", len(cs), res.Body)
		}
		for _, tok := range append(f.P.Bearers(), appPassword) {
			if strings.Contains(string(res.Body), tok) {
				t.Fatal("a credential is in the connection list")
			}
		}
		var other []conn
		e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/connections", Token: bob.Token}).Decode(t, &other)
		if len(other) != 0 {
			t.Fatalf("bob sees %d connections, want 0", len(other))
		}
	})

	t.Run("a state works once and only for its user", func(t *testing.T) {
		e := f.For(t)
		code, state := authorize(t, f.start(bob, connections.Google, connections.PurposeCalendar))
		res := e.Must(http.StatusBadRequest, apptest.Req{Method: "POST", Path: "/v1/me/connections/google/callback", Token: ada.Token,
			Body: map[string]any{"code": code, "state": state}})
		if res.Code() != "code_invalid" {
			t.Fatalf("foreign state: code %q, want code_invalid", res.Code())
		}
		e.Must(http.StatusCreated, apptest.Req{Method: "POST", Path: "/v1/me/connections/google/callback", Token: bob.Token,
			Body: map[string]any{"code": code, "state": state}})
		res = e.Must(http.StatusBadRequest, apptest.Req{Method: "POST", Path: "/v1/me/connections/google/callback", Token: bob.Token,
			Body: map[string]any{"code": code, "state": state}})
		if res.Code() != "code_invalid" {
			t.Fatalf("reused state: code %q, want code_invalid", res.Code())
		}
	})

	cals := f.calendars(ada)
	t.Run("calendars of every calendar connection are listed", func(t *testing.T) {
		for _, name := range []string{"Ada", "Holidays", "Calendar", "Birthdays", "Home", "Work"} {
			if _, ok := cals[name]; !ok {
				t.Errorf("calendar %q missing from %v", name, cals)
			}
		}
		if len(cals) != 6 {
			t.Errorf("got %d calendars, want 6 (zoom has none)", len(cals))
		}
		if !cals["Holidays"].ReadOnly || cals["Ada"].ReadOnly || !cals["Ada"].Primary || cals["Ada"].ConnectionID != google.ID {
			t.Errorf("google calendars: %+v %+v", cals["Ada"], cals["Holidays"])
		}
	})

	t.Run("the profile accepts connected calendars and refuses others", func(t *testing.T) {
		e := f.For(t)
		patch := func(want int, cal map[string]any) *apptest.Response {
			return e.Must(want, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: ada.Token,
				Header: map[string]string{"Content-Type": "application/merge-patch+json"}, Body: map[string]any{"calendar": cal}})
		}
		res := patch(http.StatusBadRequest, map[string]any{"primaryCalendarId": google.ID + ":nope"})
		if !strings.Contains(string(res.Body), "calendar.primaryCalendarId") {
			t.Errorf("unknown primary: %s", res.Body)
		}
		res = patch(http.StatusBadRequest, map[string]any{"primaryCalendarId": cals["Holidays"].ID})
		if !strings.Contains(string(res.Body), "read-only") {
			t.Errorf("read-only primary: %s", res.Body)
		}
		res = patch(http.StatusBadRequest, map[string]any{"conflictCalendarIds": []string{cals["Home"].ID, "free-text"}})
		if !strings.Contains(string(res.Body), "calendar.conflictCalendarIds[1]") {
			t.Errorf("unknown conflict calendar: %s", res.Body)
		}
		patch(http.StatusOK, map[string]any{"primaryCalendarId": cals["Ada"].ID, "conflictCalendarIds": []string{cals["Home"].ID, cals["Holidays"].ID}})
	})

	t.Run("the zoom meeting location gets the connected Zoom link", func(t *testing.T) {
		e := f.For(t)
		var me struct {
			Availability struct {
				MeetingLocation struct{ Type, Details string } `json:"meetingLocation"`
			} `json:"availability"`
		}
		loc := func(u apptest.User, ml map[string]any) (string, string) {
			e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token,
				Header: map[string]string{"Content-Type": "application/merge-patch+json"},
				Body:   map[string]any{"availability": map[string]any{"meetingLocation": ml}}}).Decode(t, &me)
			return me.Availability.MeetingLocation.Type, me.Availability.MeetingLocation.Details
		}
		if typ, d := loc(ada, map[string]any{"type": "zoom"}); typ != "zoom" || d != zoom.MeetingURL {
			t.Errorf("ada's zoom location = %s %q, want the connected link %q", typ, d, zoom.MeetingURL)
		}
		e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: ada.Token}).Decode(t, &me)
		if me.Availability.MeetingLocation.Details != zoom.MeetingURL {
			t.Errorf("GET shows %q, want the stored link", me.Availability.MeetingLocation.Details)
		}
		// A link typed in is kept; bob has no Zoom connection: left empty.
		if _, d := loc(ada, map[string]any{"type": "zoom", "details": "https://zoom.us/j/999"}); d != "https://zoom.us/j/999" {
			t.Errorf("typed link replaced by %q", d)
		}
		if _, d := loc(bob, map[string]any{"type": "zoom"}); d != "" {
			t.Errorf("bob without Zoom got %q", d)
		}
	})

	t.Run("mail sync toggling publishes one event per change", func(t *testing.T) {
		e := f.For(t)
		put := func(id string, on bool, want int) {
			e.Must(want, apptest.Req{Method: "PUT", Path: "/v1/me/connections/" + id + "/mail-sync", Token: ada.Token,
				Body: map[string]any{"enabled": on}})
		}
		put(ms.ID, true, http.StatusOK)
		put(ms.ID, true, http.StatusOK) // no change, no event
		put(ms.ID, false, http.StatusOK)
		put(google.ID, true, http.StatusBadRequest) // not a mail connection
		ev := f.Events.All()
		if len(ev) != 2 || ev[0].DetailType != connections.EventMailSyncEnabled || ev[1].DetailType != connections.EventMailSyncDisabled {
			t.Fatalf("events = %+v, want Enabled then Disabled", ev)
		}
		d, _ := ev[0].Detail.(connections.MailSyncEvent)
		if d.ConnectionID != ms.ID || d.Provider != "microsoft" || d.Account != "ada@outlook.example" {
			t.Fatalf("event detail = %+v", d)
		}
	})

	t.Run("the scheduled run refreshes tokens about to expire", func(t *testing.T) {
		before := len(f.P.Bearers())
		// mockoidc's tokens are JWTs: a later iat makes a new token.
		f.P.OIDC.FastForward(time.Minute)
		r, err := f.service().RefreshDue(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		// ada's google, zoom, microsoft and bob's google (10-minute tokens: due at once).
		if r.Refreshed != 4 || r.Reconnect != 0 {
			t.Fatalf("report %+v, want 4 refreshed", r)
		}
		f.calendars(ada)
		if len(f.P.Bearers()) <= before {
			t.Fatal("the API saw no new access token after the refresh")
		}
	})

	t.Run("the scheduled function runs the same refresh", func(t *testing.T) {
		before := len(f.P.Bearers())
		f.P.OIDC.FastForward(time.Minute)
		job, err := f.Deps.Job("connections-refresh")
		if err != nil {
			t.Fatal(err)
		}
		if err := job(t.Context(), awsevents.EventBridgeEvent{}); err != nil {
			t.Fatalf("connections-refresh: %v", err)
		}
		f.calendars(ada)
		if len(f.P.Bearers()) <= before {
			t.Fatal("the API saw no new access token after the scheduled function ran")
		}
	})

	t.Run("a refused refresh marks needs_reconnect and mails once", func(t *testing.T) {
		e := f.For(t)
		f.P.OIDC.QueueError(&mockoidc.ServerError{Code: http.StatusBadRequest, Error: "invalid_grant", Description: "revoked"})
		if _, err := f.service().RefreshDue(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := f.service().RefreshDue(t.Context()); err != nil {
			t.Fatal(err)
		}
		var broken []conn
		for _, u := range []apptest.User{ada, bob} {
			var cs []conn
			e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/connections", Token: u.Token}).Decode(t, &cs)
			for _, c := range cs {
				if c.Status == connections.StatusNeedsReconnect {
					broken = append(broken, c)
				}
			}
		}
		if len(broken) != 1 {
			t.Fatalf("%d connections need reconnecting, want 1", len(broken))
		}
		mails := 0
		for _, u := range []apptest.User{ada, bob} {
			for _, m := range e.Emails(u.Email) {
				if strings.Contains(m.Subject, "Reconnect") {
					mails++
				}
			}
		}
		if mails != 1 {
			t.Fatalf("%d reconnect mails, want 1", mails)
		}
	})

	t.Run("disconnecting revokes and clears the calendar choice", func(t *testing.T) {
		e := f.For(t)
		n := len(f.P.Revoked())
		e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me/connections/" + google.ID, Token: ada.Token})
		if len(f.P.Revoked()) != n+1 || f.P.Revoked()[n] == "" {
			t.Fatalf("revoked %v, want one more token", f.P.Revoked())
		}
		type cal struct {
			PrimaryCalendarID   string   `json:"primaryCalendarId"`
			ConflictCalendarIDs []string `json:"conflictCalendarIds"`
			ClearedBy           *struct {
				ConnectionID string    `json:"connectionId"`
				Provider     string    `json:"provider"`
				At           time.Time `json:"at"`
			} `json:"clearedBy"`
		}
		var me struct {
			Calendar cal `json:"calendar"`
		}
		e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: ada.Token}).Decode(t, &me)
		if me.Calendar.PrimaryCalendarID != "" || !slices.Equal(me.Calendar.ConflictCalendarIDs, []string{cals["Home"].ID}) {
			t.Fatalf("calendar after disconnect = %+v, want no primary and only Home", me.Calendar)
		}
		if cb := me.Calendar.ClearedBy; cb == nil || cb.ConnectionID != google.ID || cb.Provider != "google" || cb.At.IsZero() {
			t.Fatalf("calendar.clearedBy = %+v, want the google connection and when", cb)
		}
		patch := func(want int, body map[string]any) *apptest.Response {
			return e.Must(want, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: ada.Token,
				Header: map[string]string{"Content-Type": "application/merge-patch+json"}, Body: map[string]any{"calendar": body}})
		}
		// The note is the server's: it cannot be written, and a change
		// that is not a calendar choice keeps it.
		res := patch(http.StatusBadRequest, map[string]any{"clearedBy": map[string]any{"connectionId": "x", "provider": "zoom", "at": "2026-01-01T00:00:00Z"}})
		if !strings.Contains(string(res.Body), "calendar.clearedBy") {
			t.Errorf("writing clearedBy: %s", res.Body)
		}
		me.Calendar = cal{}
		patch(http.StatusOK, map[string]any{"privateSyncedEvents": false}).Decode(t, &me)
		if me.Calendar.ClearedBy == nil {
			t.Error("clearedBy gone after a patch that chose no calendar")
		}
		// The next calendar choice clears it.
		me.Calendar = cal{}
		patch(http.StatusOK, map[string]any{"primaryCalendarId": cals["Work"].ID}).Decode(t, &me)
		if me.Calendar.ClearedBy != nil || me.Calendar.PrimaryCalendarID != cals["Work"].ID {
			t.Errorf("after choosing a primary calendar: %+v, want clearedBy gone", me.Calendar)
		}
		e.Must(http.StatusNotFound, apptest.Req{Method: "DELETE", Path: "/v1/me/connections/" + google.ID, Token: ada.Token})
		e.Must(http.StatusNotFound, apptest.Req{Method: "DELETE", Path: "/v1/me/connections/" + zoom.ID, Token: bob.Token})
	})

	t.Run("deleting the account revokes and deletes every connection", func(t *testing.T) {
		e := f.For(t)
		n := len(f.P.Revoked())
		e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me", Token: ada.Token,
			Body: map[string]any{"password": ada.Password, "confirm": "DELETE"}})
		if len(f.P.Revoked()) <= n {
			t.Fatal("no token revoked at account deletion (zoom has a revocation endpoint)")
		}
		left, err := connectionsdb.New(f.Deps.Deps.Store()).ListConnections(t.Context(), ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != 0 {
			t.Fatalf("%d connections left after account deletion", len(left))
		}
	})

	t.Run("no credential in any log line", func(t *testing.T) {
		logs := f.Logs.String()
		if !strings.Contains(logs, "connection token refreshed") {
			t.Fatal("logs were not captured")
		}
		secrets := append(f.P.Bearers(), f.P.Revoked()...)
		secrets = append(secrets, appPassword, f.P.OIDC.ClientSecret)
		for _, s := range secrets {
			if s != "" && strings.Contains(logs, s) {
				t.Fatalf("a credential (%d chars) is in the logs", len(s))
			}
		}
	})
}
