package sso

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/request"
)

// ConfigInput is what an owner saves. An empty ClientSecret keeps the one
// stored (it is required the first time).
type ConfigInput struct {
	Issuer                string
	ClientID              string
	ClientSecret          string
	Domains               []string
	Enforce               bool
	IdPURL                string
	OwnerPasswordDisabled bool
}

// discoveryTimeout bounds the discovery request made when a configuration
// is saved and at each sign-in.
const discoveryTimeout = 10 * time.Second

// Configure validates and saves an organization's configuration (owners
// only). The issuer must serve an OpenID discovery document whose issuer
// is itself; the client secret is sealed under the data key. Each domain
// must have been added to the organization (POST .../domains); it takes
// effect for sign-in once verified.
func (s *Service) Configure(ctx context.Context, actor account.User, orgID string, in ConfigInput) (View, error) {
	if err := ownerOnly(actor, orgID); err != nil {
		return View{}, err
	}
	old, err := s.Store.GetConfig(ctx, orgID)
	if err != nil && !errors.Is(err, account.ErrNotFound) {
		return View{}, account.Internal(err)
	}
	var v account.Validation
	issuer := strings.TrimSpace(in.Issuer)
	if msg := checkURL(issuer); msg != "" {
		v.Add("issuer", msg)
	}
	clientID := strings.TrimSpace(in.ClientID)
	if clientID == "" || len(clientID) > 255 {
		v.Add("clientId", "must be 1 to 255 characters")
	}
	switch {
	case in.ClientSecret == "" && old.SecretEnc == "":
		v.Add("clientSecret", "must not be empty")
	case len(in.ClientSecret) > 1024:
		v.Add("clientSecret", "is too long")
	}
	idp := strings.TrimSpace(in.IdPURL)
	if idp == "" {
		idp = issuer
	} else if msg := checkURL(idp); msg != "" {
		v.Add("idpUrl", msg)
	}
	var domains []string
	if len(in.Domains) == 0 || len(in.Domains) > 50 {
		v.Add("domains", "must list 1 to 50 domains")
	}
	for i, raw := range in.Domains {
		field := "domains[" + strconv.Itoa(i) + "]"
		d, msg := CleanDomain(raw)
		if msg != "" {
			v.Add(field, msg)
			continue
		}
		if _, err := s.Store.GetDomain(ctx, orgID, d); errors.Is(err, account.ErrNotFound) {
			v.Add(field, "has not been added to the organization (POST /v1/organizations/{id}/domains)")
			continue
		} else if err != nil {
			return View{}, account.Internal(err)
		}
		domains = append(domains, d)
	}
	if err := v.Err(); err != nil {
		return View{}, err
	}
	// The discovery document is fetched last: it is the slow check.
	if err := s.discover(ctx, issuer); err != nil {
		return View{}, err
	}
	c := Config{
		OrgID: orgID, Issuer: issuer, ClientID: clientID, SecretEnc: old.SecretEnc, Domains: domains,
		Enforce: in.Enforce, IdPURL: idp, OwnerPasswordDisabled: in.OwnerPasswordDisabled,
		UpdatedAt: s.Now().UTC(), UpdatedBy: actor.ID,
	}
	if in.ClientSecret != "" {
		if c.SecretEnc, err = s.seal(ctx, orgID, in.ClientSecret); err != nil {
			return View{}, account.Internal(err)
		}
	}
	if err := s.Store.PutConfig(ctx, c); err != nil {
		return View{}, account.Internal(err)
	}
	s.record(ctx, audit.Entry{Actor: actor.ID, Subject: actor.ID, OrgID: orgID, Action: ActionConfigured, RequestID: request.ID(ctx),
		IP: request.Client(ctx).IP, Details: map[string]string{"issuer": issuer, "clientId": clientID, "enforce": strconv.FormatBool(in.Enforce)}})
	s.Log.InfoContext(ctx, "sso configured", "orgId", orgID, "issuer", issuer)
	return c.View(), nil
}

// Config returns an organization's configuration to its owners and admins.
func (s *Service) Config(ctx context.Context, actor account.User, orgID string) (View, error) {
	r, err := role(actor, orgID)
	if err != nil {
		return View{}, err
	}
	if r != account.RoleOwner && r != account.RoleAdmin {
		return View{}, account.Errorf(account.CodeForbidden, "Only owners and admins can read the single sign-on configuration.")
	}
	c, err := s.Store.GetConfig(ctx, orgID)
	if errors.Is(err, account.ErrNotFound) {
		return View{}, account.Errorf(account.CodeNotFound, "Single sign-on is not configured.")
	}
	if err != nil {
		return View{}, account.Internal(err)
	}
	return c.View(), nil
}

// RemoveConfig turns single sign-on off for the organization (owners
// only). Members already SSO-managed stay so until an owner changes them.
func (s *Service) RemoveConfig(ctx context.Context, actor account.User, orgID string) error {
	if err := ownerOnly(actor, orgID); err != nil {
		return err
	}
	err := s.Store.DeleteConfig(ctx, orgID)
	if errors.Is(err, account.ErrNotFound) {
		return account.Errorf(account.CodeNotFound, "Single sign-on is not configured.")
	}
	if err != nil {
		return account.Internal(err)
	}
	s.record(ctx, audit.Entry{Actor: actor.ID, Subject: actor.ID, OrgID: orgID, Action: ActionRemoved, RequestID: request.ID(ctx), IP: request.Client(ctx).IP})
	return nil
}

// checkURL returns a field message unless s is an absolute https URL
// (http is accepted for loopback hosts only: a local provider).
func checkURL(s string) string {
	u, err := url.Parse(s)
	if s == "" || err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || u.RawQuery != "" {
		return "must be an absolute https URL"
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		if loopback(u.Hostname()) {
			return ""
		}
	}
	return "must be an absolute https URL"
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// discover fetches the issuer's discovery document; any failure is a 400
// naming the issuer field.
func (s *Service) discover(ctx context.Context, issuer string) error {
	_, err := s.provider(ctx, issuer)
	return err
}

func (s *Service) provider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	ctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, s.client()), discoveryTimeout)
	defer cancel()
	p, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		e := account.Invalid("issuer", "has no valid OpenID Connect discovery document at "+strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration")
		e.Cause = errors.Join(ErrIssuer, err)
		return nil, e
	}
	return p, nil
}
