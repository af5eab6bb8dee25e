package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/profile/basic"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/sessions"
)

// scopes asked of the identity provider: the address and the names.
var scopes = []string{oidc.ScopeOpenID, "email", "profile"}

// Start begins a sign-in for an address whose domain an organization with
// single sign-on has verified: it stores the state, nonce and PKCE
// verifier for FlowTTL and returns the provider's authorization URL.
// Any other address is 404 not_found (the client shows the password form).
func (s *Service) Start(ctx context.Context, rawEmail string) (string, error) {
	email, msg := account.CleanEmail(rawEmail)
	if msg != "" {
		return "", account.Invalid("email", msg)
	}
	orgID, cfg, err := s.configFor(ctx, domainOf(email))
	if err != nil {
		return "", err
	}
	p, err := s.providerNow(ctx, cfg.Issuer)
	if err != nil {
		return "", err
	}
	state, nonce := random(), random()
	verifier := oauth2.GenerateVerifier()
	f := Flow{StateHash: hashState(state), OrgID: orgID, Nonce: nonce, Verifier: verifier, ExpiresAt: s.Now().UTC().Add(FlowTTL)}
	if err := s.Store.PutFlow(ctx, f); err != nil {
		return "", account.Internal(err)
	}
	oc := s.oauth(cfg, p, "")
	return oc.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("login_hint", email)), nil
}

// configFor returns the organization that verified domain and its
// configuration, or 404 when the domain has no single sign-on.
func (s *Service) configFor(ctx context.Context, domain string) (string, Config, error) {
	notFound := &account.Error{Code: account.CodeNotFound, Detail: "Single sign-on is not set up for this address.", Cause: ErrNoSSO}
	orgID, err := s.Store.DomainOwner(ctx, domain)
	if errors.Is(err, account.ErrNotFound) {
		return "", Config{}, notFound
	}
	if err != nil {
		return "", Config{}, account.Internal(err)
	}
	cfg, err := s.Store.GetConfig(ctx, orgID)
	if errors.Is(err, account.ErrNotFound) || (err == nil && !slices.Contains(cfg.Domains, domain)) {
		return "", Config{}, notFound
	}
	if err != nil {
		return "", Config{}, account.Internal(err)
	}
	return orgID, cfg, nil
}

// providerNow is provider for a sign-in: an unreachable provider is 503.
func (s *Service) providerNow(ctx context.Context, issuer string) (*oidc.Provider, error) {
	p, err := s.provider(ctx, issuer)
	if err != nil {
		return nil, &account.Error{Code: account.CodeUnavailable, Detail: "The organization's identity provider cannot be reached; try again later.", Cause: err}
	}
	return p, nil
}

func (s *Service) oauth(cfg Config, p *oidc.Provider, secret string) *oauth2.Config {
	return &oauth2.Config{ClientID: cfg.ClientID, ClientSecret: secret, Endpoint: p.Endpoint(), RedirectURL: s.RedirectURL, Scopes: scopes}
}

// claims are the ID token's claims read here. email_verified is a boolean
// by the standard; some providers send the string "true".
type claims struct {
	Email         string `json:"email"`
	EmailVerified any    `json:"email_verified"`
	GivenName     string `json:"given_name"`
	FamilyName    string `json:"family_name"`
	Name          string `json:"name"`
}

func (c claims) verified() bool {
	return c.EmailVerified == true || c.EmailVerified == "true"
}

// Callback completes a sign-in: it takes the state (once), exchanges the
// code with the PKCE verifier, verifies the ID token (signature by the
// provider's keys, issuer, audience, expiry, nonce), requires a verified
// address in one of the organization's verified domains, then creates the
// account just in time or links the member's, and starts a session. No
// second factor of ours is asked: the identity provider owns MFA.
func (s *Service) Callback(ctx context.Context, code, state string) (sessions.Issued, error) {
	var v account.Validation
	if code == "" || len(code) > 4096 {
		v.Add("code", "must be 1 to 4096 characters")
	}
	if state == "" || len(state) > 512 {
		v.Add("state", "must be 1 to 512 characters")
	}
	if err := v.Err(); err != nil {
		return sessions.Issued{}, err
	}
	f, err := s.Store.TakeFlow(ctx, hashState(state))
	if errors.Is(err, account.ErrNotFound) {
		return sessions.Issued{}, &account.Error{Code: account.CodeCodeInvalid, Detail: "This sign-in is unknown or was already used; start again.", Cause: ErrState}
	}
	if err != nil {
		return sessions.Issued{}, account.Internal(err)
	}
	if !s.Now().Before(f.ExpiresAt) {
		return sessions.Issued{}, &account.Error{Code: account.CodeCodeExpired, Detail: "This sign-in has expired; start again.", Cause: ErrStateExpired}
	}
	cfg, err := s.Store.GetConfig(ctx, f.OrgID)
	if errors.Is(err, account.ErrNotFound) {
		return sessions.Issued{}, &account.Error{Code: account.CodeNotFound, Detail: "Single sign-on is no longer set up for this organization.", Cause: ErrNoSSO}
	}
	if err != nil {
		return sessions.Issued{}, account.Internal(err)
	}
	secret, err := s.open(ctx, f.OrgID, cfg.SecretEnc)
	if err != nil {
		return sessions.Issued{}, account.Internal(err)
	}
	p, err := s.providerNow(ctx, cfg.Issuer)
	if err != nil {
		return sessions.Issued{}, err
	}
	cctx := oidc.ClientContext(ctx, s.client())
	tok, err := s.oauth(cfg, p, secret).Exchange(cctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return sessions.Issued{}, refused("exchange code", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return sessions.Issued{}, refused("no id_token", nil)
	}
	idt, err := p.VerifierContext(cctx, &oidc.Config{ClientID: cfg.ClientID, Now: s.Now}).Verify(cctx, raw)
	if err != nil {
		return sessions.Issued{}, refused("verify id token", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return sessions.Issued{}, refused("nonce mismatch", nil)
	}
	var c claims
	if err := idt.Claims(&c); err != nil {
		return sessions.Issued{}, refused("claims", err)
	}
	email, msg := account.CleanEmail(c.Email)
	if msg != "" || !c.verified() {
		return sessions.Issued{}, &account.Error{Code: account.CodeForbidden, Detail: "The identity provider did not vouch for this email address.", Cause: ErrEmail}
	}
	if owner, err := s.Store.DomainOwner(ctx, domainOf(email)); err != nil || owner != f.OrgID || !slices.Contains(cfg.Domains, domainOf(email)) {
		if err != nil && !errors.Is(err, account.ErrNotFound) {
			return sessions.Issued{}, account.Internal(err)
		}
		return sessions.Issued{}, &account.Error{Code: account.CodeForbidden, Detail: "This address's domain is not verified by the organization.", Cause: ErrEmail}
	}
	u, created, err := s.account(ctx, cfg, email, c)
	if err != nil {
		return sessions.Issued{}, err
	}
	request.SetUserID(ctx, u.ID)
	sess, err := s.Starter.StartSession(ctx, u.ID)
	if err != nil {
		return sessions.Issued{}, err
	}
	details := map[string]string{"issuer": cfg.Issuer, "subject": idt.Subject}
	if created {
		details["created"] = "true"
	}
	s.record(ctx, audit.Entry{Actor: u.ID, Subject: u.ID, OrgID: f.OrgID, Action: ActionSignIn, RequestID: request.ID(ctx), IP: request.Client(ctx).IP, Details: details})
	return sess, nil
}

// refused is the 401 of an answer from the provider that does not verify.
func refused(what string, err error) error {
	cause := ErrToken
	if err != nil {
		cause = errors.Join(ErrToken, err)
	}
	return &account.Error{Code: account.CodeInvalidCreds, Detail: "The identity provider's answer could not be verified; start again.", Cause: errors.Join(errors.New(what), cause)}
}

// account returns the user an SSO sign-in is for: a new one (created just
// in time, role user, SSO-managed, no password) or the member holding the
// address, made SSO-managed when the organization enforces it (owners keep
// their password unless the organization turned that off). An address
// held by an account outside the organization is never linked: 403.
func (s *Service) account(ctx context.Context, cfg Config, email string, c claims) (account.User, bool, error) {
	for attempt := 0; attempt < 3; attempt++ {
		uid, err := s.Store.LookupEmail(ctx, email)
		if errors.Is(err, account.ErrNotFound) {
			u := s.newUser(cfg, email, c)
			err := s.Store.CreateUser(ctx, NewUser{User: u, OrgID: cfg.OrgID})
			if errors.Is(err, account.ErrEmailTaken) {
				continue // created meanwhile: link it
			}
			if err != nil {
				return account.User{}, false, account.Internal(err)
			}
			s.Log.InfoContext(ctx, "sso account created", "userId", u.ID, "orgId", cfg.OrgID)
			return u, true, nil
		}
		if err != nil {
			return account.User{}, false, account.Internal(err)
		}
		u, err := s.Store.GetUser(ctx, uid)
		if err != nil {
			return account.User{}, false, account.Internal(err)
		}
		m, ok := u.Orgs[cfg.OrgID]
		if !ok {
			return account.User{}, false, &account.Error{Code: account.CodeForbidden,
				Detail: "This address belongs to an account outside the organization; ask an owner to invite it.", Cause: ErrOtherOrg}
		}
		manage := cfg.Enforce && (m.Role != account.RoleOwner || cfg.OwnerPasswordDisabled)
		if !manage || (u.SSOManaged && u.IdPURL == cfg.IdPURL) {
			return u, false, nil
		}
		next := u
		next.SSOManaged, next.IdPURL = true, cfg.IdPURL
		next.Version, next.UpdatedAt = u.Version+1, s.Now().UTC()
		err = s.Store.SaveUser(ctx, next, u.Version)
		if errors.Is(err, account.ErrConflict) {
			continue
		}
		if err != nil {
			return account.User{}, false, account.Internal(err)
		}
		return next, false, nil
	}
	return account.User{}, false, account.Errorf(account.CodeConflict, "The account changed during sign-in; try again.")
}

func (s *Service) newUser(cfg Config, email string, c claims) account.User {
	first, last := c.GivenName, c.FamilyName
	if first == "" && last == "" && c.Name != "" {
		first, last, _ = strings.Cut(strings.TrimSpace(c.Name), " ")
	}
	if first == "" {
		first, _, _ = strings.Cut(email, "@")
	}
	first, last = name(first), name(last)
	now := s.Now().UTC()
	u := account.User{
		ID: uuid.NewString(), Email: email, FirstName: first, LastName: last,
		SSOManaged: true, IdPURL: cfg.IdPURL, CreatedAt: now, UpdatedAt: now, Version: 1,
		Orgs: map[string]account.Membership{cfg.OrgID: {Role: account.RoleUser, JoinedAt: now}},
	}
	u.Defaults()
	return u
}

// name is a claim cleaned as a profile name, or "" when it is not one.
func name(s string) string {
	if c, msg := basic.CleanName(s); msg == "" {
		return c
	}
	return ""
}

func domainOf(email string) string {
	_, d, _ := strings.Cut(email, "@")
	return d
}

// random is 32 random bytes, base64url: a state or nonce.
func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashState is the key a state is stored under: the state itself is a
// bearer value and only its holder should present it.
func hashState(state string) string {
	h := sha256.Sum256([]byte(state))
	return hex.EncodeToString(h[:])
}
