package sso

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/idna"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/datakey/keyedhash"
	"github.com/example/myprofile/shared/sessions"
)

// Actions recorded in the audit log. Keep the names stable: clients filter
// on them.
const (
	ActionSignIn         = "sso.sign_in"
	ActionConfigured     = "sso.configured"
	ActionRemoved        = "sso.removed"
	ActionDomainVerified = "domain.verified"
)

// FlowTTL is how long a started sign-in (its state, nonce and PKCE
// verifier) waits for the callback.
const FlowTTL = 10 * time.Minute

// Config is an organization's OpenID Connect configuration. SecretEnc is
// the client secret sealed under the data key; it never leaves the service.
type Config struct {
	OrgID     string   `dynamodbav:"orgId"`
	Issuer    string   `dynamodbav:"issuer"`
	ClientID  string   `dynamodbav:"clientId"`
	SecretEnc string   `dynamodbav:"secretEnc"`
	Domains   []string `dynamodbav:"domains"`
	// Enforce makes the members who sign in through the provider
	// SSO-managed: their password sign-in answers 409 sso_managed.
	Enforce bool `dynamodbav:"enforce"`
	// IdPURL is where members change their password and email (the
	// provider's user portal); default the issuer.
	IdPURL string `dynamodbav:"idpUrl"`
	// OwnerPasswordDisabled turns off the owners' break-glass password:
	// by default owners are never made SSO-managed, so a broken provider
	// cannot lock the organization out.
	OwnerPasswordDisabled bool      `dynamodbav:"ownerPasswordDisabled"`
	UpdatedAt             time.Time `dynamodbav:"updatedAt"`
	UpdatedBy             string    `dynamodbav:"updatedBy"`
}

// View is the configuration as owners and admins read it: never the secret.
type View struct {
	Issuer                string    `json:"issuer"`
	ClientID              string    `json:"clientId"`
	Domains               []string  `json:"domains"`
	Enforce               bool      `json:"enforce"`
	IdPURL                string    `json:"idpUrl"`
	OwnerPasswordDisabled bool      `json:"ownerPasswordDisabled"`
	ClientSecretSet       bool      `json:"clientSecretSet"`
	UpdatedAt             time.Time `json:"updatedAt"`
}

// View returns what may be shown of c.
func (c Config) View() View {
	d := c.Domains
	if d == nil {
		d = []string{}
	}
	return View{Issuer: c.Issuer, ClientID: c.ClientID, Domains: d, Enforce: c.Enforce, IdPURL: c.IdPURL,
		OwnerPasswordDisabled: c.OwnerPasswordDisabled, ClientSecretSet: c.SecretEnc != "", UpdatedAt: c.UpdatedAt}
}

// Domain is an organization's claim on an email domain, proven by a DNS
// TXT record.
type Domain struct {
	OrgID      string    `dynamodbav:"orgId" json:"-"`
	Domain     string    `dynamodbav:"domain" json:"domain"`
	Token      string    `dynamodbav:"token" json:"-"`
	Verified   bool      `dynamodbav:"verified" json:"verified"`
	VerifiedAt time.Time `dynamodbav:"verifiedAt,omitempty" json:"-"`
	CreatedAt  time.Time `dynamodbav:"createdAt" json:"-"`
}

// TXTName is the DNS name the organization publishes its token under.
func (d Domain) TXTName() string { return TXTPrefix + d.Domain }

// TXTValue is the TXT record's expected value.
func (d Domain) TXTValue() string { return TXTValuePrefix + d.Token }

// TXT record shape of a domain proof.
const (
	TXTPrefix      = "_myprofile-challenge."
	TXTValuePrefix = "myprofile-domain-verification="
)

// Flow is a started sign-in, kept server-side until its callback.
type Flow struct {
	StateHash string    `dynamodbav:"stateHash"`
	OrgID     string    `dynamodbav:"orgId"`
	Nonce     string    `dynamodbav:"nonce"`
	Verifier  string    `dynamodbav:"verifier"`
	ExpiresAt time.Time `dynamodbav:"expiresAt"`
}

// NewUser is a just-in-time account: the user with its membership of OrgID.
type NewUser struct {
	User  account.User
	OrgID string
}

// Store is the storage SSO needs.
type Store interface {
	// GetConfig reads an organization's configuration; account.ErrNotFound if none.
	GetConfig(ctx context.Context, orgID string) (Config, error)
	// PutConfig writes (replaces) the configuration.
	PutConfig(ctx context.Context, c Config) error
	// DeleteConfig removes it; account.ErrNotFound if there was none.
	DeleteConfig(ctx context.Context, orgID string) error
	// PutDomain writes an organization's claim if it has none for that
	// domain; account.ErrConflict if it has (the claim is returned by GetDomain).
	PutDomain(ctx context.Context, d Domain) error
	// GetDomain reads an organization's claim; account.ErrNotFound if none.
	GetDomain(ctx context.Context, orgID, domain string) (Domain, error)
	// ListDomains lists an organization's claims.
	ListDomains(ctx context.Context, orgID string) ([]Domain, error)
	// VerifyDomain marks the claim verified and makes the organization
	// the domain's owner in one transaction, conditioned on no other
	// organization owning it; account.ErrConflict if one does.
	VerifyDomain(ctx context.Context, d Domain) error
	// DomainOwner returns the organization that verified domain;
	// account.ErrNotFound if none.
	DomainOwner(ctx context.Context, domain string) (string, error)
	// PutFlow stores a started sign-in (expires with its TTL).
	PutFlow(ctx context.Context, f Flow) error
	// TakeFlow deletes and returns the flow of a state hash, so a state
	// works once; account.ErrNotFound if there is none.
	TakeFlow(ctx context.Context, stateHash string) (Flow, error)
	// LookupEmail returns the id of the user holding email; account.ErrNotFound if none.
	LookupEmail(ctx context.Context, email string) (string, error)
	// GetUser reads a user; account.ErrNotFound if absent.
	GetUser(ctx context.Context, userID string) (account.User, error)
	// SaveUser writes u if its stored version is still expectVersion;
	// account.ErrConflict otherwise.
	SaveUser(ctx context.Context, u account.User, expectVersion int64) error
	// CreateUser writes a just-in-time account without a password: the
	// email's uniqueness item, the user and the membership, bumping the
	// organization's roster revision; account.ErrEmailTaken if the email
	// is held.
	CreateUser(ctx context.Context, n NewUser) error
}

// SessionStarter creates the session of a completed sign-in (the auth
// capability's StartSession: device notice, metrics).
type SessionStarter interface {
	StartSession(ctx context.Context, userID string) (sessions.Issued, error)
}

// TXTResolver looks up TXT records (net.Resolver).
type TXTResolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// Service is single sign-on with OpenID Connect per organization.
type Service struct {
	Store    Store
	Sessions *sessions.Service
	// Keys seal client secrets (the stack's data key).
	Keys keyedhash.KeySource
	// Resolver looks up domain proofs.
	Resolver TXTResolver
	// HTTP fetches discovery documents, keys and tokens (nil: a client
	// with a 10 s timeout).
	HTTP *http.Client
	// RedirectURL is the front end's callback page registered at the
	// identity provider.
	RedirectURL string
	// Starter creates sessions (set by the auth function; nil elsewhere).
	Starter SessionStarter
	Audit   audit.Sink
	Now     func() time.Time
	Log     *slog.Logger
}

// Errors of the service, wrapped in the *account.Error to answer.
var (
	ErrNoSSO          = errors.New("sso: no single sign-on for this address")
	ErrIssuer         = errors.New("sso: issuer unreachable or invalid")
	ErrState          = errors.New("sso: unknown or used state")
	ErrStateExpired   = errors.New("sso: state expired")
	ErrToken          = errors.New("sso: id token refused")
	ErrEmail          = errors.New("sso: email not verified or domain not proven")
	ErrOtherOrg       = errors.New("sso: address belongs to an account outside the organization")
	ErrDomainTaken    = errors.New("sso: domain verified by another organization")
	ErrDomainUnproven = errors.New("sso: TXT record not found")
)

// CleanDomain lower-cases a domain, writes it in ASCII (IDNA) and checks
// it is a DNS name with at least two labels.
func CleanDomain(s string) (string, string) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	if d == "" {
		return "", "must not be empty"
	}
	a, err := idna.Lookup.ToASCII(d)
	if err != nil || !strings.Contains(a, ".") || len(a) > 253 {
		return "", "must be a domain name such as example.com"
	}
	for _, l := range strings.Split(a, ".") {
		if l == "" || len(l) > 63 {
			return "", "must be a domain name such as example.com"
		}
	}
	return a, ""
}

// role returns the actor's role in orgID, or a 404 when not a member.
func role(actor account.User, orgID string) (string, error) {
	m, ok := actor.Orgs[orgID]
	if !ok {
		return "", account.Errorf(account.CodeNotFound, "No such organization.")
	}
	return m.Role, nil
}

// ownerOnly returns 403 unless the actor owns orgID.
func ownerOnly(actor account.User, orgID string) error {
	r, err := role(actor, orgID)
	if err != nil {
		return err
	}
	if r != account.RoleOwner {
		return account.Errorf(account.CodeForbidden, "Only owners can change single sign-on.")
	}
	return nil
}

func (s *Service) record(ctx context.Context, e audit.Entry) {
	if s.Audit == nil {
		return
	}
	if err := s.Audit.Record(ctx, e); err != nil {
		s.Log.ErrorContext(ctx, "audit "+e.Action, "error", err.Error())
	}
}

func (s *Service) client() *http.Client {
	if s.HTTP != nil {
		return s.HTTP
	}
	return &http.Client{Timeout: 10 * time.Second}
}
