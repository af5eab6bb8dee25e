package localcloud_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
	"golang.org/x/oauth2"

	"github.com/example/myprofile/infra/localcloud"
)

// What `make run` configures from Providers.Env works as the providers do:
// an authorization code flow with PKCE whose client sends its credentials
// in a Basic header (Zoom's way), the Zoom users/me call with the token,
// and CalDAV discovery of the two seeded calendars.
func TestProvidersFromEnv(t *testing.T) {
	p, err := localcloud.StartProviders(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	env := p.Env()
	for _, k := range []string{"CONNECTIONS_ZOOM_AUTH_URL", "CONNECTIONS_GOOGLE_TOKEN_URL", "CONNECTIONS_MICROSOFT_API_URL", "CONNECTIONS_ICLOUD_CALDAV_URL", "CONNECTIONS_ZOOM_REVOKE_URL"} {
		if env[k] == "" {
			t.Errorf("%s not set", k)
		}
	}
	if _, ok := env["CONNECTIONS_MICROSOFT_REVOKE_URL"]; ok {
		t.Error("Microsoft has no revocation endpoint")
	}

	cfg := &oauth2.Config{ClientID: env["CONNECTIONS_ZOOM_CLIENT_ID"], ClientSecret: env["CONNECTIONS_ZOOM_CLIENT_SECRET"],
		RedirectURL: "http://127.0.0.1:3000/connections/callback", Scopes: []string{env["CONNECTIONS_ZOOM_SCOPES_MEETINGS"]},
		Endpoint: oauth2.Endpoint{AuthURL: env["CONNECTIONS_ZOOM_AUTH_URL"], TokenURL: env["CONNECTIONS_ZOOM_TOKEN_URL"], AuthStyle: oauth2.AuthStyleInHeader}}
	verifier := oauth2.GenerateVerifier()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(cfg.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || loc.Query().Get("state") != "st4te" || loc.Query().Get("code") == "" {
		t.Fatalf("authorize answered %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	tok, err := cfg.Exchange(t.Context(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange with the client in a Basic header: %v", err)
	}
	res, err = cfg.Client(t.Context(), tok).Get(env["CONNECTIONS_ZOOM_API_URL"] + "/users/me")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var me struct {
		PersonalMeetingURL string `json:"personal_meeting_url"`
	}
	if err := json.NewDecoder(res.Body).Decode(&me); err != nil || me.PersonalMeetingURL != localcloud.LocalZoomMeetingURL {
		t.Errorf("users/me: %d %+v %v", res.StatusCode, me, err)
	}
	if !slices.Contains(p.Bearers(), tok.AccessToken) {
		t.Error("the API did not record the access token")
	}

	hc := webdav.HTTPClientWithBasicAuth(nil, localcloud.LocalAppleID, localcloud.LocalAppPassword)
	cl, err := caldav.NewClient(hc, env["CONNECTIONS_ICLOUD_CALDAV_URL"])
	if err != nil {
		t.Fatal(err)
	}
	principal, err := cl.FindCurrentUserPrincipal(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	home, err := cl.FindCalendarHomeSet(t.Context(), principal)
	if err != nil {
		t.Fatal(err)
	}
	cals, err := cl.FindCalendars(t.Context(), home)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cals {
		names = append(names, c.Name)
	}
	if slices.Sort(names); !slices.Equal(names, []string{"Home", "Work"}) {
		t.Errorf("calendars %v, want Home and Work", names)
	}
	bad := webdav.HTTPClientWithBasicAuth(nil, localcloud.LocalAppleID, "wrong")
	if cl, _ := caldav.NewClient(bad, env["CONNECTIONS_ICLOUD_CALDAV_URL"]); cl != nil {
		if _, err := cl.FindCurrentUserPrincipal(t.Context()); err == nil {
			t.Error("a wrong app password was accepted")
		}
	}
}
