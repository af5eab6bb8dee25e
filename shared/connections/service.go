package connections

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/retry"
)

// Timing of token refreshes.
const (
	// RefreshLead: an access token this close to expiry is refreshed
	// before it is used.
	RefreshLead = 5 * time.Minute
	// IndexLead: the refresh index holds a connection from this long
	// before its token expires, so the scheduled run renews it in time.
	IndexLead = 20 * time.Minute
	// MaxRefreshesPerRun bounds a scheduled run's work (per shard: the
	// quotient by Shards).
	MaxRefreshesPerRun = 200
)

// Errors of the service, matched with errors.Is.
var (
	ErrUnknownProvider = account.Errorf(account.CodeNotFound, "There is no such provider.")
	ErrNotFound        = account.Errorf(account.CodeNotFound, "There is no such connection.")
	ErrState           = account.Errorf(account.CodeCodeInvalid, "This connection attempt expired, was already used or was started by someone else; start again.")
	ErrCodeRefused     = account.Errorf(account.CodeCodeInvalid, "The provider did not accept the authorization; start again.")
	ErrNotConfigured   = account.Errorf(account.CodeUnavailable, "This provider is not configured on this deployment.")
	ErrProviderDown    = account.Errorf(account.CodeUnavailable, "The provider could not be reached; try again later.")
	ErrAppleRefused    = account.Invalid("appPassword", "Apple refused this Apple ID and app-specific password. Create an app-specific password at appleid.apple.com (Sign-In and Security) and try again.")
	ErrNoMail          = account.Invalid("enabled", "This connection was not made for mail; connect the account again for mail first.")
	ErrEnabledRequired = account.Invalid("enabled", "is required (true or false)")
	ErrNeedsReconnect  = account.Errorf(account.CodeConflict, "The provider no longer accepts this connection; connect the account again.")
)

// errReconnect is the internal cause of a refresh the provider refused.
var errReconnect = errors.New("provider refused the refresh token")

// Service runs the connection rules.
type Service struct {
	Store     Store
	Users     Users
	Sealer    Sealer
	Clients   ClientSource
	Config    Config
	Publisher Publisher
	Mailer    notify.Mailer
	AppName   string
	Now       func() time.Time
	Log       *slog.Logger
}

// MailSync is a connection's mail synchronisation state.
type MailSync struct {
	Enabled bool `json:"enabled"`
}

// View is the API shape of a connection: never a credential.
type View struct {
	ID          string    `json:"id"`
	Provider    string    `json:"provider"`
	Account     string    `json:"account"`
	Scopes      []string  `json:"scopes"`
	Purposes    []string  `json:"purposes"`
	Status      string    `json:"status"`
	ConnectedAt time.Time `json:"connectedAt"`
	MailSync    MailSync  `json:"mailSync"`
	MeetingURL  string    `json:"meetingUrl,omitempty"`
}

func view(c Connection) View {
	v := View{ID: c.ID, Provider: c.Provider, Account: c.Account, Scopes: c.Scopes, Purposes: c.Purposes, Status: c.Status,
		ConnectedAt: c.ConnectedAt.UTC(), MailSync: MailSync{c.MailSync}, MeetingURL: c.MeetingURL}
	if v.Scopes == nil {
		v.Scopes = []string{}
	}
	if v.Purposes == nil {
		v.Purposes = []string{}
	}
	return v
}

func isOAuth(provider string) bool {
	return provider == Zoom || provider == Google || provider == Microsoft
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// List returns the user's connections.
func (s *Service) List(ctx context.Context, u account.User) ([]View, error) {
	cs, err := s.Store.ListConnections(ctx, u.ID)
	if err != nil {
		return nil, account.Internal(err)
	}
	out := make([]View, 0, len(cs))
	for _, c := range cs {
		out = append(out, view(c))
	}
	return out, nil
}

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func stateHash(state string) string {
	h := sha256.Sum256([]byte(state))
	return hex.EncodeToString(h[:])
}

func (s *Service) oauthConfig(ctx context.Context, provider, purpose string) (*oauth2.Config, error) {
	id, secret, err := s.Clients.Client(ctx, provider)
	if err != nil {
		return nil, &account.Error{Code: account.CodeUnavailable, Detail: ErrNotConfigured.Detail, Cause: err}
	}
	if id == "" {
		return nil, ErrNotConfigured
	}
	return s.Config.oauth(provider, purpose, id, secret), nil
}

// Start begins an OAuth connection: it stores the state and the PKCE
// verifier for StateTTL, bound to u, and returns the provider's
// authorization URL.
func (s *Service) Start(ctx context.Context, u account.User, provider, purpose string) (string, error) {
	if !isOAuth(provider) {
		return "", ErrUnknownProvider
	}
	if _, ok := s.Config.Providers[provider].Scopes[purpose]; !ok {
		var ps []string
		for p := range s.Config.Providers[provider].Scopes {
			ps = append(ps, p)
		}
		slices.Sort(ps)
		return "", account.Invalid("purpose", fmt.Sprintf("must be one of %s for %s", strings.Join(ps, ", "), provider))
	}
	cfg, err := s.oauthConfig(ctx, provider, purpose)
	if err != nil {
		return "", err
	}
	state, err := randomToken(32)
	if err != nil {
		return "", account.Internal(err)
	}
	verifier := oauth2.GenerateVerifier()
	sealed, err := s.Sealer.Seal(ctx, "state:"+u.ID, verifier)
	if err != nil {
		return "", account.Internal(err)
	}
	err = s.Store.PutState(ctx, PendingState{Hash: stateHash(state), UserID: u.ID, Provider: provider, Purpose: purpose,
		Verifier: sealed, ExpiresAt: s.Now().UTC().Add(StateTTL)})
	if err != nil {
		return "", account.Internal(err)
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	for k, v := range s.Config.Providers[provider].AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	return cfg.AuthCodeURL(state, opts...), nil
}

func (s *Service) httpCtx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, s.Config.httpClient())
}

// tokenErr turns an oauth2 error into one safe to log (a RetrieveError's
// text quotes the whole response body) and says whether the provider
// refused the grant.
func tokenErr(err error) (error, bool) {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		refused := re.ErrorCode == "invalid_grant" || status == http.StatusBadRequest || status == http.StatusUnauthorized
		return fmt.Errorf("token endpoint: status %d, error %q", status, re.ErrorCode), refused
	}
	return fmt.Errorf("token endpoint: %w", err), false
}

// Callback completes an OAuth connection: the state must be one u started
// for provider, unused and unexpired; the code is exchanged with the PKCE
// verifier and the tokens are stored sealed. Connecting an account already
// connected renews that connection.
func (s *Service) Callback(ctx context.Context, u account.User, provider, code, state string) (View, error) {
	if !isOAuth(provider) {
		return View{}, ErrUnknownProvider
	}
	v := &account.Validation{}
	if strings.TrimSpace(code) == "" {
		v.Add("code", "is required")
	}
	if strings.TrimSpace(state) == "" {
		v.Add("state", "is required")
	}
	if err := v.Err(); err != nil {
		return View{}, err
	}
	ps, err := s.Store.TakeState(ctx, stateHash(state), u.ID, provider)
	if errors.Is(err, account.ErrNotFound) {
		return View{}, ErrState
	}
	if err != nil {
		return View{}, account.Internal(err)
	}
	if !s.Now().Before(ps.ExpiresAt) {
		return View{}, ErrState
	}
	verifier, err := s.Sealer.Open(ctx, "state:"+u.ID, ps.Verifier)
	if err != nil {
		return View{}, account.Internal(err)
	}
	cfg, err := s.oauthConfig(ctx, provider, ps.Purpose)
	if err != nil {
		return View{}, err
	}
	tok, err := cfg.Exchange(s.httpCtx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		cause, refused := tokenErr(err)
		if refused {
			return View{}, &account.Error{Code: ErrCodeRefused.Code, Detail: ErrCodeRefused.Detail, Cause: cause}
		}
		return View{}, &account.Error{Code: ErrProviderDown.Code, Detail: ErrProviderDown.Detail, Cause: cause}
	}
	rem, err := s.Config.readRemote(ctx, provider, tok.AccessToken)
	if err != nil {
		return View{}, &account.Error{Code: ErrProviderDown.Code, Detail: ErrProviderDown.Detail, Cause: err}
	}
	scopes := cfg.Scopes
	if sc, ok := tok.Extra("scope").(string); ok && sc != "" {
		scopes = strings.Fields(sc)
	}
	creds := Credentials{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, TokenType: tok.TokenType, Expiry: s.expiry(tok)}
	purposes := []string{ps.Purpose}
	if ps.Purpose == PurposeMail {
		purposes = []string{PurposeCalendar, PurposeMail}
	}
	c := Connection{Provider: provider, Account: rem.Account, Scopes: scopes, Purposes: purposes, MeetingURL: rem.MeetingURL, Calendars: rem.Calendars}
	return s.save(ctx, u, c, creds)
}

// expiry is when tok expires on the service's clock.
func (s *Service) expiry(tok *oauth2.Token) time.Time {
	if tok.ExpiresIn > 0 {
		return s.Now().UTC().Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	return tok.Expiry
}

// ConnectICloud connects an iCloud calendar account after a successful
// CalDAV discovery with the Apple ID and app-specific password.
func (s *Service) ConnectICloud(ctx context.Context, u account.User, appleID, appPassword string) (View, error) {
	appleID = strings.TrimSpace(appleID)
	appPassword = strings.TrimSpace(appPassword)
	v := &account.Validation{}
	if appleID == "" || len(appleID) > 254 || strings.ContainsAny(appleID, " \t\r\n") {
		v.Add("appleId", "must be your Apple ID (an email address)")
	}
	if appPassword == "" || len(appPassword) > 64 {
		v.Add("appPassword", "must be an app-specific password (xxxx-xxxx-xxxx-xxxx)")
	}
	if err := v.Err(); err != nil {
		return View{}, err
	}
	cals, err := s.Config.discoverCalDAV(ctx, appleID, appPassword)
	if errors.Is(err, errRefused) {
		return View{}, ErrAppleRefused
	}
	if err != nil {
		return View{}, &account.Error{Code: ErrProviderDown.Code, Detail: "iCloud could not be reached; try again later.", Cause: err}
	}
	c := Connection{Provider: ICloud, Account: appleID, Scopes: []string{"caldav"}, Purposes: []string{PurposeCalendar}, Calendars: cals}
	return s.save(ctx, u, c, Credentials{AppleID: appleID, AppPassword: appPassword})
}

func aad(userID, id string) string { return "connection:" + userID + ":" + id }

func (s *Service) seal(ctx context.Context, c *Connection, creds Credentials) error {
	raw, err := json.Marshal(creds)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	sealed, err := s.Sealer.Seal(ctx, aad(c.UserID, c.ID), string(raw))
	if err != nil {
		return err
	}
	c.Sealed = sealed
	c.Expiry = creds.Expiry
	c.NextRefresh = time.Time{}
	if c.Status == StatusActive && creds.RefreshToken != "" && !creds.Expiry.IsZero() {
		c.NextRefresh = creds.Expiry.Add(-IndexLead)
	}
	return nil
}

func (s *Service) open(ctx context.Context, c Connection) (Credentials, error) {
	raw, err := s.Sealer.Open(ctx, aad(c.UserID, c.ID), c.Sealed)
	if err != nil {
		return Credentials{}, err
	}
	var creds Credentials
	if err := json.Unmarshal([]byte(raw), &creds); err != nil {
		return Credentials{}, fmt.Errorf("credentials: %w", err)
	}
	return creds, nil
}

// save stores a new connection, or renews the user's existing connection
// of the same provider and account.
func (s *Service) save(ctx context.Context, u account.User, c Connection, creds Credentials) (View, error) {
	existing, err := s.Store.ListConnections(ctx, u.ID)
	if err != nil {
		return View{}, account.Internal(err)
	}
	for _, old := range existing {
		if old.Provider != c.Provider || old.Account != c.Account {
			continue
		}
		next := old
		next.Scopes, next.MeetingURL, next.Calendars = c.Scopes, c.MeetingURL, c.Calendars
		for _, p := range c.Purposes {
			if !slices.Contains(next.Purposes, p) {
				next.Purposes = append(next.Purposes, p)
			}
		}
		next.Status, next.NoticeSent = StatusActive, false
		next.Version = old.Version + 1
		if err := s.seal(ctx, &next, creds); err != nil {
			return View{}, account.Internal(err)
		}
		if err := s.Store.SaveConnection(ctx, next, old.Version); err != nil {
			return View{}, account.Internal(err)
		}
		return view(next), nil
	}
	id, err := randomToken(12)
	if err != nil {
		return View{}, account.Internal(err)
	}
	c.ID = strings.ToLower(strings.NewReplacer("-", "0", "_", "1").Replace(id))
	c.UserID = u.ID
	c.Status = StatusActive
	c.ConnectedAt = s.Now().UTC()
	c.Version = 1
	if err := s.seal(ctx, &c, creds); err != nil {
		return View{}, account.Internal(err)
	}
	if err := s.Store.CreateConnection(ctx, c); err != nil {
		return View{}, account.Internal(err)
	}
	s.log().InfoContext(ctx, "connection added", "userId", u.ID, "connectionId", c.ID, "provider", c.Provider)
	return view(c), nil
}

// credentials returns c's usable credentials, refreshing the access token
// when it is within RefreshLead of expiry (or always, with force). A
// refresh the provider refuses marks c needs_reconnect, mails the user
// once and returns ErrNeedsReconnect. c is updated with what was stored.
func (s *Service) credentials(ctx context.Context, c *Connection, force bool) (Credentials, error) {
	creds, err := s.open(ctx, *c)
	if err != nil {
		return Credentials{}, account.Internal(err)
	}
	if c.Status != StatusActive {
		return Credentials{}, ErrNeedsReconnect
	}
	if !isOAuth(c.Provider) || creds.Expiry.IsZero() || creds.RefreshToken == "" {
		return creds, nil
	}
	if !force && s.Now().Add(RefreshLead).Before(creds.Expiry) {
		return creds, nil
	}
	purpose := PurposeCalendar
	if len(c.Purposes) > 0 {
		purpose = c.Purposes[len(c.Purposes)-1]
	}
	cfg, err := s.oauthConfig(ctx, c.Provider, purpose)
	if err != nil {
		return Credentials{}, err
	}
	tok, err := cfg.TokenSource(s.httpCtx(ctx), &oauth2.Token{RefreshToken: creds.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
	if err != nil {
		cause, refused := tokenErr(err)
		if refused {
			if merr := s.markNeedsReconnect(ctx, c); merr != nil {
				return Credentials{}, account.Internal(errors.Join(cause, merr))
			}
			return Credentials{}, &account.Error{Code: ErrNeedsReconnect.Code, Detail: ErrNeedsReconnect.Detail, Cause: errors.Join(errReconnect, cause)}
		}
		return Credentials{}, &account.Error{Code: ErrProviderDown.Code, Detail: ErrProviderDown.Detail, Cause: cause}
	}
	next := Credentials{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, TokenType: tok.TokenType, Expiry: s.expiry(tok)}
	if next.RefreshToken == "" {
		next.RefreshToken = creds.RefreshToken
	}
	upd := *c
	upd.Version = c.Version + 1
	if err := s.seal(ctx, &upd, next); err != nil {
		return Credentials{}, account.Internal(err)
	}
	err = s.Store.SaveConnection(ctx, upd, c.Version)
	if errors.Is(err, account.ErrConflict) {
		// Another request refreshed (or changed) it meanwhile: use theirs.
		fresh, gerr := s.Store.GetConnection(ctx, c.UserID, c.ID)
		if gerr != nil {
			return Credentials{}, account.Internal(gerr)
		}
		*c = fresh
		if fresh.Status != StatusActive {
			return Credentials{}, ErrNeedsReconnect
		}
		creds, err := s.open(ctx, fresh)
		if err != nil {
			return Credentials{}, account.Internal(err)
		}
		return creds, nil
	}
	if err != nil {
		return Credentials{}, account.Internal(err)
	}
	*c = upd
	s.log().InfoContext(ctx, "connection token refreshed", "userId", c.UserID, "connectionId", c.ID, "provider", c.Provider)
	return next, nil
}

// markNeedsReconnect sets c needs_reconnect (out of the refresh index) and
// mails the user once per failure: the mail is claimed by the same
// conditional write that records it.
func (s *Service) markNeedsReconnect(ctx context.Context, c *Connection) error {
	for attempt := 0; ; attempt++ {
		if c.Status == StatusNeedsReconnect && c.NoticeSent {
			return nil
		}
		upd := *c
		upd.Status, upd.NextRefresh, upd.Version = StatusNeedsReconnect, time.Time{}, c.Version+1
		send := !c.NoticeSent
		upd.NoticeSent = true
		err := s.Store.SaveConnection(ctx, upd, c.Version)
		if errors.Is(err, account.ErrConflict) && attempt < 3 {
			fresh, gerr := s.Store.GetConnection(ctx, c.UserID, c.ID)
			if gerr != nil {
				return gerr
			}
			*c = fresh
			continue
		}
		if err != nil {
			return err
		}
		*c = upd
		s.log().WarnContext(ctx, "connection needs reconnect", "userId", c.UserID, "connectionId", c.ID, "provider", c.Provider)
		if send {
			s.reconnectNotice(ctx, *c)
		}
		return nil
	}
}

var providerNames = map[string]string{Zoom: "Zoom", Google: "Google", Microsoft: "Microsoft", ICloud: "iCloud"}

// reconnectNotice mails the user in their language; a failure is logged.
func (s *Service) reconnectNotice(ctx context.Context, c Connection) {
	if s.Mailer == nil || s.Users == nil {
		return
	}
	u, err := s.Users.GetUser(ctx, c.UserID)
	if err == nil {
		name := u.DisplayName
		if name == "" {
			name = u.FirstName
		}
		var mail notify.Email
		mail, err = ReconnectNeeded.Render(u.Language, map[string]string{
			"App": s.AppName, "Name": name, "Provider": providerNames[c.Provider], "Account": c.Account,
		})
		if err == nil {
			mail.To = u.Email
			err = s.Mailer.SendEmail(ctx, mail)
		}
	}
	if err != nil {
		s.log().ErrorContext(ctx, "reconnect notice not sent", "err", err, "userId", c.UserID, "connectionId", c.ID)
	}
}

// Delete disconnects one connection: its tokens are revoked at the
// provider where it has a revocation endpoint (a failure is logged, the
// connection goes anyway), it is deleted, and a primary or conflict
// calendar that came from it is cleared from the profile.
func (s *Service) Delete(ctx context.Context, u account.User, id string) error {
	c, err := s.Store.GetConnection(ctx, u.ID, id)
	if errors.Is(err, account.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return account.Internal(err)
	}
	if err := s.remove(ctx, c); err != nil {
		return account.Internal(err)
	}
	if err := s.clearCalendars(ctx, u.ID, c); err != nil {
		return account.Internal(err)
	}
	return nil
}

// remove revokes, deletes and, if mail sync was on, says it stopped.
func (s *Service) remove(ctx context.Context, c Connection) error {
	if isOAuth(c.Provider) {
		if creds, err := s.open(ctx, c); err != nil {
			s.log().WarnContext(ctx, "connection credentials unreadable; not revoked", "connectionId", c.ID, "err", err)
		} else {
			id, secret, _ := s.Clients.Client(ctx, c.Provider)
			tok := creds.RefreshToken
			if tok == "" {
				tok = creds.AccessToken
			}
			if err := s.Config.revoke(ctx, c.Provider, tok, id, secret); err != nil {
				s.log().WarnContext(ctx, "connection not revoked at the provider", "connectionId", c.ID, "provider", c.Provider, "err", err)
			}
		}
	}
	if err := s.Store.DeleteConnection(ctx, c.UserID, c.ID); err != nil {
		return err
	}
	s.log().InfoContext(ctx, "connection removed", "userId", c.UserID, "connectionId", c.ID, "provider", c.Provider)
	if c.MailSync {
		return s.publish(ctx, EventMailSyncDisabled, c)
	}
	return nil
}

// clearCalendars removes the calendars of connection c from the user's
// calendar choice, and notes it in calendar.clearedBy.
func (s *Service) clearCalendars(ctx context.Context, userID string, c Connection) error {
	prefix := c.ID + ":"
	for attempt := 0; ; attempt++ {
		u, err := s.Users.GetUser(ctx, userID)
		if err != nil {
			return err
		}
		next := u
		changed := false
		if strings.HasPrefix(u.Calendar.PrimaryCalendarID, prefix) {
			next.Calendar.PrimaryCalendarID = ""
			changed = true
		}
		keep := []string{}
		for _, cid := range u.Calendar.ConflictCalendarIDs {
			if strings.HasPrefix(cid, prefix) {
				changed = true
				continue
			}
			keep = append(keep, cid)
		}
		if !changed {
			return nil
		}
		next.Calendar.ConflictCalendarIDs = keep
		next.Calendar.ClearedBy = &account.CalendarClearing{ConnectionID: c.ID, Provider: c.Provider, At: s.Now().UTC()}
		next.Version = u.Version + 1
		next.UpdatedAt = s.Now().UTC()
		err = s.Users.SaveUser(ctx, next, u.Version)
		if errors.Is(err, account.ErrConflict) && attempt < 5 {
			_ = retry.Backoff(ctx, attempt)
			continue
		}
		return err
	}
}

// SetMailSync turns mail sync of a mail connection on or off and, when it
// changes, publishes Mail Sync Enabled or Disabled.
func (s *Service) SetMailSync(ctx context.Context, u account.User, id string, enabled bool) (View, error) {
	for attempt := 0; ; attempt++ {
		c, err := s.Store.GetConnection(ctx, u.ID, id)
		if errors.Is(err, account.ErrNotFound) {
			return View{}, ErrNotFound
		}
		if err != nil {
			return View{}, account.Internal(err)
		}
		if !slices.Contains(c.Purposes, PurposeMail) {
			return View{}, ErrNoMail
		}
		if enabled && c.Status != StatusActive {
			return View{}, ErrNeedsReconnect
		}
		if c.MailSync == enabled {
			return view(c), nil
		}
		next := c
		next.MailSync, next.Version = enabled, c.Version+1
		err = s.Store.SaveConnection(ctx, next, c.Version)
		if errors.Is(err, account.ErrConflict) && attempt < 5 {
			continue
		}
		if err != nil {
			return View{}, account.Internal(err)
		}
		detail := EventMailSyncDisabled
		if enabled {
			detail = EventMailSyncEnabled
		}
		if err := s.publish(ctx, detail, next); err != nil {
			return View{}, account.Internal(err)
		}
		return view(next), nil
	}
}

func (s *Service) publish(ctx context.Context, detailType string, c Connection) error {
	if s.Publisher == nil {
		return nil
	}
	err := s.Publisher.Publish(ctx, detailType, MailSyncEvent{UserID: c.UserID, ConnectionID: c.ID, Provider: c.Provider, Account: c.Account})
	if err != nil {
		return fmt.Errorf("publish %s: %w", detailType, err)
	}
	return nil
}

// Calendars lists every calendar of every active connection, read from the
// providers (a provider that cannot be reached gives its last list). The
// lists read are kept: they are what the profile's calendar choice is
// checked against.
func (s *Service) Calendars(ctx context.Context, u account.User) ([]Calendar, error) {
	cs, err := s.Store.ListConnections(ctx, u.ID)
	if err != nil {
		return nil, account.Internal(err)
	}
	out := []Calendar{}
	for _, c := range cs {
		if c.Status != StatusActive || !slices.Contains(c.Purposes, PurposeCalendar) {
			continue
		}
		cals, err := s.readCalendars(ctx, &c)
		if err != nil {
			if c.Status != StatusActive {
				continue
			}
			s.log().WarnContext(ctx, "calendars not read; last list used", "connectionId", c.ID, "provider", c.Provider, "err", err)
			cals = c.Calendars
		} else if !slices.Equal(cals, c.Calendars) {
			upd := c
			upd.Calendars, upd.Version = cals, c.Version+1
			if err := s.Store.SaveConnection(ctx, upd, c.Version); err != nil && !errors.Is(err, account.ErrConflict) {
				return nil, account.Internal(err)
			}
		}
		for _, cal := range cals {
			cal.ConnectionID = c.ID
			cal.ID = c.ID + ":" + cal.ID
			out = append(out, cal)
		}
	}
	return out, nil
}

func (s *Service) readCalendars(ctx context.Context, c *Connection) ([]Calendar, error) {
	creds, err := s.credentials(ctx, c, false)
	if err != nil {
		return nil, err
	}
	if c.Provider == ICloud {
		cals, err := s.Config.discoverCalDAV(ctx, creds.AppleID, creds.AppPassword)
		if errors.Is(err, errRefused) {
			if merr := s.markNeedsReconnect(ctx, c); merr != nil {
				return nil, merr
			}
		}
		return cals, err
	}
	rem, err := s.Config.readRemote(ctx, c.Provider, creds.AccessToken)
	if errors.Is(err, errRefused) {
		if merr := s.markNeedsReconnect(ctx, c); merr != nil {
			return nil, merr
		}
	}
	return rem.Calendars, err
}

// CheckCalendar is the profile's calendar rule (profile.Service's
// CheckCalendar hook): a newly chosen primary or conflict calendar must be
// one of the user's active connections' calendars, and the primary one
// writable. Ids chosen before are not checked again.
func (s *Service) CheckCalendar(ctx context.Context, before, after account.User) error {
	b, a := before.Calendar, after.Calendar
	newPrimary := a.PrimaryCalendarID != "" && a.PrimaryCalendarID != b.PrimaryCalendarID
	var newConflicts []int
	for i, id := range a.ConflictCalendarIDs {
		if !slices.Contains(b.ConflictCalendarIDs, id) {
			newConflicts = append(newConflicts, i)
		}
	}
	if !newPrimary && len(newConflicts) == 0 {
		return nil
	}
	cs, err := s.Store.ListConnections(ctx, after.ID)
	if err != nil {
		return account.Internal(err)
	}
	known := map[string]Calendar{}
	for _, c := range cs {
		if c.Status != StatusActive {
			continue
		}
		for _, cal := range c.Calendars {
			known[c.ID+":"+cal.ID] = cal
		}
	}
	v := &account.Validation{}
	if newPrimary {
		cal, ok := known[a.PrimaryCalendarID]
		switch {
		case !ok:
			v.Add("calendar.primaryCalendarId", "is not a calendar of your connected accounts (see GET /v1/me/calendars)")
		case cal.ReadOnly:
			v.Add("calendar.primaryCalendarId", "is read-only; choose a calendar you can write to")
		}
	}
	for _, i := range newConflicts {
		if _, ok := known[a.ConflictCalendarIDs[i]]; !ok {
			v.Add(fmt.Sprintf("calendar.conflictCalendarIds[%d]", i), "is not a calendar of your connected accounts (see GET /v1/me/calendars)")
		}
	}
	return v.Err()
}

// FillMeetingLink is a profile Complete hook: a meeting location of type
// zoom without details gets the personal meeting link of the user's
// active Zoom connection (none: left empty, as typed).
func (s *Service) FillMeetingLink(ctx context.Context, _ account.User, after *account.User) error {
	m := &after.Availability.MeetingLocation
	if m.Type != "zoom" || m.Details != "" {
		return nil
	}
	link, err := s.MeetingLink(ctx, after.ID)
	if err != nil {
		return account.Internal(err)
	}
	m.Details = link
	return nil
}

// MeetingLink is the personal meeting link of the user's active Zoom
// connection, "" when there is none.
func (s *Service) MeetingLink(ctx context.Context, userID string) (string, error) {
	cs, err := s.Store.ListConnections(ctx, userID)
	if err != nil {
		return "", err
	}
	for _, c := range cs {
		if c.Provider == Zoom && c.Status == StatusActive && c.MeetingURL != "" {
			return c.MeetingURL, nil
		}
	}
	return "", nil
}

// RefreshReport is what a scheduled run did.
type RefreshReport struct {
	Refreshed, Reconnect, Failed int
}

// RefreshDue renews the tokens the refresh index says expire soon, at
// most MaxRefreshesPerRun per run (what is left stays due for the next).
func (s *Service) RefreshDue(ctx context.Context) (RefreshReport, error) {
	var r RefreshReport
	before := s.Now().UTC()
	var errs []error
	for shard := range Shards {
		due, err := s.Store.DueRefreshes(ctx, shard, before, MaxRefreshesPerRun/Shards)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, d := range due {
			c, err := s.Store.GetConnection(ctx, d.UserID, d.ID)
			if errors.Is(err, account.ErrNotFound) {
				continue
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			_, err = s.credentials(ctx, &c, true)
			switch {
			case err == nil:
				r.Refreshed++
			case c.Status == StatusNeedsReconnect:
				r.Reconnect++
			default:
				r.Failed++
				s.log().WarnContext(ctx, "scheduled token refresh failed", "connectionId", c.ID, "provider", c.Provider, "err", err)
			}
		}
	}
	s.log().InfoContext(ctx, "connection refresh run", "refreshed", r.Refreshed, "needsReconnect", r.Reconnect, "failed", r.Failed)
	return r, errors.Join(errs...)
}

// OnDelete revokes and deletes every connection of a deleted account (an
// org.Service OnDelete hook).
func (s *Service) OnDelete(ctx context.Context, u account.User) error {
	cs, err := s.Store.ListConnections(ctx, u.ID)
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range cs {
		if err := s.remove(ctx, c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
