package connections

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
	"golang.org/x/oauth2"
)

// ProviderConfig is one OAuth provider's endpoints and scopes. Every URL is
// configuration; Defaults holds the real providers' values.
type ProviderConfig struct {
	AuthURL   string
	TokenURL  string
	RevokeURL string // "": the provider has no revocation endpoint
	APIBase   string
	// AuthStyle says how the client authenticates at the token endpoint.
	AuthStyle oauth2.AuthStyle
	// Scopes asked for each purpose the provider serves.
	Scopes map[string][]string
	// AuthParams are extra authorization request parameters.
	AuthParams map[string]string
}

// Config is the providers' configuration.
type Config struct {
	// RedirectURL is the web page that receives the provider's redirect and
	// posts {code, state} to the callback route.
	RedirectURL string
	Providers   map[string]ProviderConfig
	// CalDAVURL is iCloud's CalDAV server.
	CalDAVURL string
	// HTTP is the client of every provider call (nil: a 15 s timeout one).
	HTTP *http.Client
}

// Defaults returns the real providers' endpoints.
func Defaults() Config {
	return Config{
		RedirectURL: "http://localhost:3000/connections/callback",
		CalDAVURL:   "https://caldav.icloud.com",
		Providers: map[string]ProviderConfig{
			Zoom: {
				AuthURL: "https://zoom.us/oauth/authorize", TokenURL: "https://zoom.us/oauth/token",
				RevokeURL: "https://zoom.us/oauth/revoke", APIBase: "https://api.zoom.us/v2",
				AuthStyle: oauth2.AuthStyleInHeader,
				Scopes:    map[string][]string{PurposeMeetings: {"user:read"}},
			},
			Google: {
				AuthURL: "https://accounts.google.com/o/oauth2/v2/auth", TokenURL: "https://oauth2.googleapis.com/token",
				RevokeURL: "https://oauth2.googleapis.com/revoke", APIBase: "https://www.googleapis.com",
				AuthStyle: oauth2.AuthStyleInParams,
				Scopes: map[string][]string{
					PurposeCalendar: {"openid", "email", "https://www.googleapis.com/auth/calendar"},
					PurposeMail:     {"openid", "email", "https://www.googleapis.com/auth/calendar", "https://mail.google.com/"},
				},
				// A refresh token is issued only with offline access and consent.
				AuthParams: map[string]string{"access_type": "offline", "prompt": "consent"},
			},
			Microsoft: {
				AuthURL:   "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
				TokenURL:  "https://login.microsoftonline.com/common/oauth2/v2.0/token",
				APIBase:   "https://graph.microsoft.com",
				AuthStyle: oauth2.AuthStyleInParams,
				Scopes: map[string][]string{
					PurposeCalendar: {"offline_access", "User.Read", "Calendars.ReadWrite"},
					PurposeMail:     {"offline_access", "User.Read", "Calendars.ReadWrite", "Mail.ReadWrite", "Mail.Send"},
				},
			},
		},
	}
}

// LoadConfig is Defaults overridden by the environment:
// CONNECTIONS_REDIRECT_URL, CONNECTIONS_ICLOUD_CALDAV_URL and, per
// provider P (ZOOM, GOOGLE, MICROSOFT), CONNECTIONS_P_AUTH_URL, _TOKEN_URL,
// _REVOKE_URL, _API_URL and _SCOPES_<PURPOSE> (space-separated).
func LoadConfig(getenv func(string) string) Config {
	c := Defaults()
	set := func(dst *string, key string) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			*dst = v
		}
	}
	set(&c.RedirectURL, "CONNECTIONS_REDIRECT_URL")
	set(&c.CalDAVURL, "CONNECTIONS_ICLOUD_CALDAV_URL")
	for name, p := range c.Providers {
		up := "CONNECTIONS_" + strings.ToUpper(name) + "_"
		set(&p.AuthURL, up+"AUTH_URL")
		set(&p.TokenURL, up+"TOKEN_URL")
		set(&p.RevokeURL, up+"REVOKE_URL")
		set(&p.APIBase, up+"API_URL")
		for purpose := range p.Scopes {
			if v := strings.Fields(getenv(up + "SCOPES_" + strings.ToUpper(purpose))); len(v) > 0 {
				p.Scopes[purpose] = v
			}
		}
		c.Providers[name] = p
	}
	return c
}

func (c Config) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 15 * time.Second}
}

// oauth returns the provider's OAuth configuration for a purpose.
func (c Config) oauth(provider, purpose, id, secret string) *oauth2.Config {
	p := c.Providers[provider]
	return &oauth2.Config{
		ClientID: id, ClientSecret: secret, RedirectURL: c.RedirectURL, Scopes: p.Scopes[purpose],
		Endpoint: oauth2.Endpoint{AuthURL: p.AuthURL, TokenURL: p.TokenURL, AuthStyle: p.AuthStyle},
	}
}

// remote is what a provider's API says about the account.
type remote struct {
	Account    string
	MeetingURL string
	Calendars  []Calendar // IDs without the connection prefix
}

// errRefused marks a provider answer that says the credentials are no
// longer accepted (401/403).
var errRefused = errors.New("provider refused the credentials")

func getJSON(ctx context.Context, hc *http.Client, token, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("request %s: %w", redactURL(u), err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", redactURL(u), err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("GET %s: %w", redactURL(u), err)
	}
	switch {
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
		return fmt.Errorf("GET %s: %d: %w", redactURL(u), res.StatusCode, errRefused)
	case res.StatusCode != http.StatusOK:
		return fmt.Errorf("GET %s: status %d", redactURL(u), res.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: decode: %w", redactURL(u), err)
	}
	return nil
}

// redactURL drops the query (which could carry a token) from a URL for logs.
func redactURL(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}

// readRemote asks the provider's API for the account and its calendars.
func (c Config) readRemote(ctx context.Context, provider, token string) (remote, error) {
	hc := c.httpClient()
	base := strings.TrimRight(c.Providers[provider].APIBase, "/")
	switch provider {
	case Zoom:
		// https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId}
		var me struct {
			ID                 string `json:"id"`
			Email              string `json:"email"`
			PersonalMeetingURL string `json:"personal_meeting_url"`
		}
		if err := getJSON(ctx, hc, token, base+"/users/me", &me); err != nil {
			return remote{}, err
		}
		acct := me.Email
		if acct == "" {
			acct = me.ID
		}
		return remote{Account: acct, MeetingURL: me.PersonalMeetingURL}, nil
	case Google:
		// https://developers.google.com/calendar/api/v3/reference/calendarList/list
		var list struct {
			Items []struct {
				ID         string `json:"id"`
				Summary    string `json:"summary"`
				Primary    bool   `json:"primary"`
				AccessRole string `json:"accessRole"`
			} `json:"items"`
		}
		if err := getJSON(ctx, hc, token, base+"/calendar/v3/users/me/calendarList", &list); err != nil {
			return remote{}, err
		}
		var r remote
		for _, it := range list.Items {
			if it.Primary {
				r.Account = it.ID // the primary calendar's id is the account's address
			}
			r.Calendars = append(r.Calendars, Calendar{ID: it.ID, Name: it.Summary, Primary: it.Primary,
				ReadOnly: it.AccessRole != "owner" && it.AccessRole != "writer"})
		}
		return r, nil
	case Microsoft:
		// https://learn.microsoft.com/graph/api/user-get, .../user-list-calendars
		var me struct {
			Mail              string `json:"mail"`
			UserPrincipalName string `json:"userPrincipalName"`
		}
		if err := getJSON(ctx, hc, token, base+"/v1.0/me", &me); err != nil {
			return remote{}, err
		}
		var list struct {
			Value []struct {
				ID                string `json:"id"`
				Name              string `json:"name"`
				CanEdit           bool   `json:"canEdit"`
				IsDefaultCalendar bool   `json:"isDefaultCalendar"`
			} `json:"value"`
		}
		if err := getJSON(ctx, hc, token, base+"/v1.0/me/calendars", &list); err != nil {
			return remote{}, err
		}
		r := remote{Account: me.Mail}
		if r.Account == "" {
			r.Account = me.UserPrincipalName
		}
		for _, it := range list.Value {
			r.Calendars = append(r.Calendars, Calendar{ID: it.ID, Name: it.Name, Primary: it.IsDefaultCalendar, ReadOnly: !it.CanEdit})
		}
		return r, nil
	}
	return remote{}, fmt.Errorf("provider %q has no API", provider)
}

// discoverCalDAV lists the calendars of an Apple ID over CalDAV:
// current-user-principal, calendar-home-set, then the calendars.
func (c Config) discoverCalDAV(ctx context.Context, appleID, appPassword string) ([]Calendar, error) {
	rec := &refusalRecorder{c: c.httpClient()}
	hc := webdav.HTTPClientWithBasicAuth(rec, appleID, appPassword)
	classifyDAV := func(err error) error {
		if rec.refused {
			return fmt.Errorf("%w: %w", errRefused, err)
		}
		return err
	}
	cl, err := caldav.NewClient(hc, c.CalDAVURL)
	if err != nil {
		return nil, fmt.Errorf("caldav client: %w", err)
	}
	principal, err := cl.FindCurrentUserPrincipal(ctx)
	if err != nil {
		return nil, classifyDAV(fmt.Errorf("caldav principal: %w", err))
	}
	home, err := cl.FindCalendarHomeSet(ctx, principal)
	if err != nil {
		return nil, classifyDAV(fmt.Errorf("caldav home set: %w", err))
	}
	cals, err := cl.FindCalendars(ctx, home)
	if err != nil {
		return nil, classifyDAV(fmt.Errorf("caldav calendars: %w", err))
	}
	out := make([]Calendar, 0, len(cals))
	for i, cal := range cals {
		name := cal.Name
		if name == "" {
			name = cal.Path
		}
		out = append(out, Calendar{ID: cal.Path, Name: name, Primary: i == 0})
	}
	return out, nil
}

// refusalRecorder notes whether the CalDAV server refused the credentials
// (401/403).
type refusalRecorder struct {
	c       *http.Client
	refused bool
}

func (r *refusalRecorder) Do(req *http.Request) (*http.Response, error) {
	res, err := r.c.Do(req)
	if err == nil && (res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden) {
		r.refused = true
	}
	return res, err
}

// revoke revokes a token at the provider's revocation endpoint (RFC 7009
// form: token=...); a provider without one needs nothing.
func (c Config) revoke(ctx context.Context, provider, token, clientID, clientSecret string) error {
	p := c.Providers[provider]
	if p.RevokeURL == "" || token == "" {
		return nil
	}
	form := url.Values{"token": {token}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.RevokeURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if clientID != "" {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(clientSecret))
	}
	res, err := c.httpClient().Do(req)
	if err != nil {
		return fmt.Errorf("revoke at %s: %w", p.RevokeURL, err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
	// 400 is how Google answers a token already revoked or expired.
	if res.StatusCode >= 300 && res.StatusCode != http.StatusBadRequest {
		return fmt.Errorf("revoke at %s: status %d", p.RevokeURL, res.StatusCode)
	}
	return nil
}
