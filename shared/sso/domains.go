package sso

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/request"
)

// DomainView is a domain claim as the API shows it: the TXT record to
// publish and whether it has been seen.
type DomainView struct {
	Domain   string `json:"domain"`
	TXTName  string `json:"txtName"`
	TXTValue string `json:"txtValue"`
	Verified bool   `json:"verified"`
}

// View returns what may be shown of d.
func (d Domain) View() DomainView {
	return DomainView{Domain: d.Domain, TXTName: d.TXTName(), TXTValue: d.TXTValue(), Verified: d.Verified}
}

// AddDomain starts proving an email domain (owners only): it returns the
// TXT record to publish. Adding a domain the organization already added
// returns the same record.
func (s *Service) AddDomain(ctx context.Context, actor account.User, orgID, raw string) (DomainView, bool, error) {
	if err := ownerOnly(actor, orgID); err != nil {
		return DomainView{}, false, err
	}
	d, msg := CleanDomain(raw)
	if msg != "" {
		return DomainView{}, false, account.Invalid("domain", msg)
	}
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		return DomainView{}, false, account.Internal(err)
	}
	claim := Domain{OrgID: orgID, Domain: d, Token: hex.EncodeToString(token), CreatedAt: s.Now().UTC()}
	err := s.Store.PutDomain(ctx, claim)
	if errors.Is(err, account.ErrConflict) {
		old, err := s.Store.GetDomain(ctx, orgID, d)
		if err != nil {
			return DomainView{}, false, account.Internal(err)
		}
		return old.View(), false, nil
	}
	if err != nil {
		return DomainView{}, false, account.Internal(err)
	}
	return claim.View(), true, nil
}

// ListDomains lists the organization's domains (owners and admins).
func (s *Service) ListDomains(ctx context.Context, actor account.User, orgID string) ([]DomainView, error) {
	r, err := role(actor, orgID)
	if err != nil {
		return nil, err
	}
	if r != account.RoleOwner && r != account.RoleAdmin {
		return nil, account.Errorf(account.CodeForbidden, "Only owners and admins can read the organization's domains.")
	}
	ds, err := s.Store.ListDomains(ctx, orgID)
	if err != nil {
		return nil, account.Internal(err)
	}
	out := make([]DomainView, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.View())
	}
	return out, nil
}

// lookupTimeout bounds the TXT lookup of a verification.
const lookupTimeout = 5 * time.Second

// VerifyDomain looks up the domain's TXT record (owners only) and, when it
// holds the organization's token, marks the domain verified. A domain is
// verified by one organization only: 409 conflict when another has it.
func (s *Service) VerifyDomain(ctx context.Context, actor account.User, orgID, raw string) (DomainView, error) {
	if err := ownerOnly(actor, orgID); err != nil {
		return DomainView{}, err
	}
	name, msg := CleanDomain(raw)
	if msg != "" {
		return DomainView{}, account.Invalid("domain", msg)
	}
	d, err := s.Store.GetDomain(ctx, orgID, name)
	if errors.Is(err, account.ErrNotFound) {
		return DomainView{}, account.Errorf(account.CodeNotFound, "Add the domain to the organization first.")
	}
	if err != nil {
		return DomainView{}, account.Internal(err)
	}
	if d.Verified {
		return d.View(), nil
	}
	lctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	records, err := s.Resolver.LookupTXT(lctx, d.TXTName())
	var dnsErr *net.DNSError
	if err != nil && !(errors.As(err, &dnsErr) && (dnsErr.IsNotFound || dnsErr.IsTemporary || dnsErr.IsTimeout)) {
		return DomainView{}, account.Internal(err)
	}
	found := false
	for _, r := range records {
		if strings.TrimSpace(r) == d.TXTValue() {
			found = true
		}
	}
	if !found {
		e := account.Invalid("domain", "has no TXT record "+d.TXTName()+" with the value "+d.TXTValue()+" yet (DNS changes can take a while to appear)")
		e.Cause = ErrDomainUnproven
		return DomainView{}, e
	}
	d.Verified, d.VerifiedAt = true, s.Now().UTC()
	err = s.Store.VerifyDomain(ctx, d)
	if errors.Is(err, account.ErrConflict) {
		e := account.Errorf(account.CodeConflict, "Another organization has verified this domain.")
		e.Cause = ErrDomainTaken
		return DomainView{}, e
	}
	if err != nil {
		return DomainView{}, account.Internal(err)
	}
	s.record(ctx, audit.Entry{Actor: actor.ID, Subject: actor.ID, OrgID: orgID, Action: ActionDomainVerified, RequestID: request.ID(ctx),
		IP: request.Client(ctx).IP, Details: map[string]string{"domain": d.Domain}})
	return d.View(), nil
}
