package org

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/authz"
	"github.com/example/myprofile/shared/events"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/profile/basic"
	"github.com/example/myprofile/shared/ratelimit"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/sessions"
)

// newInviteToken returns "<invitationId>.<secret>" and the stored hash of
// the secret (256 random bits: a fast hash is right, as for session tokens).
func newInviteToken(id string) (token, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("invite token: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(b[:])
	return id + "." + secret, hashSecret(secret), nil
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func parseInviteToken(tok string) (id, secret string, ok bool) {
	if len(tok) > 128 {
		return "", "", false
	}
	id, secret, ok = strings.Cut(strings.TrimSpace(tok), ".")
	if !ok || len(secret) != 43 {
		return "", "", false
	}
	if _, err := uuid.Parse(id); err != nil {
		return "", "", false
	}
	if _, err := base64.RawURLEncoding.DecodeString(secret); err != nil {
		return "", "", false
	}
	return id, secret, true
}

// Invitee is whom an invitation is for, as the inviter typed it.
type Invitee struct {
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Role      string `json:"role"`
}

// Invite invites someone into an organization of the actor's (orgID, or
// the actor's first by default) with a role the actor may give, and emails
// them a single-use token. It answers the same whether the address has an
// account or not; only a current member is a conflict. The invitation
// returned carries no token.
func (s *Service) Invite(ctx context.Context, actor account.User, orgID string, in Invitee) (Invitation, error) {
	orgID, err := currentOrg(actor, orgID)
	if err != nil {
		return Invitation{}, err
	}
	var v account.Validation
	email := v.Check("email", in.Email, account.CleanEmail)
	first := v.Check("firstName", in.FirstName, basic.CleanName)
	last := v.Check("lastName", in.LastName, basic.CleanName)
	if !account.ValidRole(in.Role) {
		v.Add("role", `must be "user", "admin" or "owner"`)
	}
	if err := v.Err(); err != nil {
		return Invitation{}, err
	}
	offered := account.User{Orgs: map[string]account.Membership{orgID: {Role: in.Role}}}
	if !authz.Can(actor, authz.Invite, offered, orgID) {
		return Invitation{}, account.Errorf(account.CodeForbidden, "You may not invite someone with this role.")
	}
	if err := s.limitInvites(ctx, actor.ID); err != nil {
		return Invitation{}, err
	}
	if err := s.limitInvitesTo(ctx, email); err != nil {
		return Invitation{}, err
	}
	roster, err := s.Store.GetRoster(ctx, orgID)
	if err != nil {
		return Invitation{}, account.Internal(err)
	}
	// Nothing of an existing account is read, changed or answered here: the
	// answer is the same whether the address has an account or not (no
	// email oracle, no profile), and membership comes only when the invitee
	// accepts. Only someone already on the roster, whom the inviter can
	// see anyway, is a conflict.
	tmpl := InvitationEmail
	uid, err := s.Store.LookupEmail(ctx, email)
	switch {
	case err == nil:
		for _, m := range roster.Members {
			if m.UserID == uid {
				return Invitation{}, &account.Error{Code: account.CodeConflict, Detail: "This person is already a member of the organization.",
					Fields: []account.FieldError{{Field: "email", Message: "is already a member"}}}
			}
		}
		// Nothing more is read for an existing account (not even its
		// language): both paths do the same work.
		tmpl = InvitationExistingEmail
	case !errors.Is(err, account.ErrNotFound):
		return Invitation{}, account.Internal(err)
	}
	now := s.Now().UTC()
	inv := Invitation{ID: uuid.NewString(), Email: email, FirstName: first, LastName: last, Language: actor.Language,
		OrgID: orgID, Role: in.Role, ExpiresAt: now.Add(s.inviteTTL()), InvitedBy: actor.ID, CreatedAt: now}
	token, hash, err := newInviteToken(inv.ID)
	if err != nil {
		return Invitation{}, account.Internal(err)
	}
	inv.TokenHash = hash
	if err := s.Store.PutInvitation(ctx, inv); err != nil {
		return Invitation{}, account.Internal(err)
	}
	// The subject is the inviter: naming an existing invitee here would tell
	// the organization's owners that the address has an account.
	if err := s.record(ctx, actor.ID, actor.ID, orgID, audit.ActionMemberInvited, map[string]string{"role": in.Role, "invitation": inv.ID}); err != nil {
		return Invitation{}, err
	}
	msgData := map[string]any{
		"App": s.AppName, "Name": PlainName(first), "Inviter": PlainName(actor.DisplayName), "Org": PlainName(roster.Org.Name),
		"Token": token, "Expires": inv.ExpiresAt.Format("2006-01-02 15:04"),
	}
	if err := s.send(ctx, tmpl, actor.Language, email, msgData); err != nil {
		return Invitation{}, account.Internal(err)
	}
	return inv, nil
}

// limitInvites counts one invitation by the user (no limiter wired: no limit).
func (s *Service) limitInvites(ctx context.Context, userID string) error {
	if s.Invites.Store == nil {
		return nil
	}
	err := s.Invites.Hit(ctx, "invite#"+userID)
	var l *ratelimit.Limited
	if errors.As(err, &l) {
		return &account.Error{Code: account.CodeRateLimited, Detail: "Too many invitations; try again later.", RetryAfter: l.RetryAfter}
	}
	if err != nil {
		return account.Internal(err)
	}
	return nil
}

// limitInvitesTo counts one invitation to the address, whichever
// organization sends it (no limiter wired: no limit): at most
// InvitesTo's max a day, so the product cannot be used to flood someone.
func (s *Service) limitInvitesTo(ctx context.Context, email string) error {
	if s.InvitesTo.Store == nil {
		return nil
	}
	// Keyed by a hash: the counter outlives no invitation by more than a
	// day, but the address itself is not kept in it.
	sum := sha256.Sum256([]byte("invite-to:" + email))
	err := s.InvitesTo.Hit(ctx, "invite-to#"+hex.EncodeToString(sum[:16]))
	var l *ratelimit.Limited
	if errors.As(err, &l) {
		return &account.Error{Code: account.CodeRateLimited, Detail: "This address has received too many invitations today; try again later.", RetryAfter: l.RetryAfter}
	}
	if err != nil {
		return account.Internal(err)
	}
	return nil
}

func (s *Service) inviteTTL() time.Duration {
	if s.InviteExpiry > 0 {
		return s.InviteExpiry
	}
	return InviteTTL
}

// MaxNameInMail is how many characters of a name an invitation email shows.
const MaxNameInMail = 40

// PlainName is a name someone else typed (an inviter's display name, an
// organization's name) made safe to show in an email as plain text: one
// line, at most MaxNameInMail characters (cut with "…"), and nothing a mail
// client would turn into a link: dots, slashes, colons and at signs are
// replaced by look-alike characters that no autolinker treats as part of an
// address ("evil.example/login" cannot become a link), so the product's
// sender cannot be used to send someone a phishing link.
func PlainName(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range strings.Join(strings.Fields(s), " ") {
		if n == MaxNameInMail {
			b.WriteString("…")
			break
		}
		switch {
		case r == '.':
			r = '\u2024' // one dot leader
		case r == '/':
			r = '\u2215' // division slash
		case r == ':':
			r = '\ua789' // modifier letter colon
		case r == '@':
			r = '\uff20' // fullwidth commercial at
		case r == '<' || r == '>':
			r = '\u2039' + (r-'<')/2 // single angle quotation marks
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

func (s *Service) send(ctx context.Context, t notify.Template, lang, to string, data any) error {
	msg, err := t.Render(lang, data)
	if err != nil {
		return err
	}
	msg.To = to
	return s.Mailer.SendEmail(ctx, msg)
}

// Accepted is what accepting an invitation gives: signed in, the account
// in the organization it joined (Session nil); otherwise the new account
// in it and its first session.
type Accepted struct {
	InOrg
	Session *sessions.Issued
}

// AcceptInvite consumes an invitation. With sessionToken (the Bearer
// session of the account the invitation was sent to), it adds the
// membership to that account; without, it creates the account with the
// password and signs it in. An address that has an account meanwhile (say,
// it signed up before accepting) must sign in.
func (s *Service) AcceptInvite(ctx context.Context, sessionToken, token, password string) (Accepted, error) {
	var signedIn *account.User
	if sessionToken != "" {
		p, err := s.Sessions.Authenticate(ctx, sessionToken)
		if errors.Is(err, sessions.ErrInvalid) {
			return Accepted{}, account.Errorf(account.CodeUnauthenticated, "The session is not valid; sign in again.")
		}
		if err != nil {
			return Accepted{}, account.Internal(err)
		}
		request.SetUserID(ctx, p.User.ID)
		signedIn = &p.User
	}
	inv, err := s.pendingInvitation(ctx, token)
	if err != nil {
		return Accepted{}, err
	}
	if err := s.inviterMayStill(ctx, inv); err != nil {
		return Accepted{}, err
	}
	if signedIn != nil {
		m, err := s.acceptSignedIn(ctx, *signedIn, inv, password)
		return Accepted{InOrg: m}, err
	}
	return s.acceptNew(ctx, inv, password)
}

func errInviteInvalid() error {
	return account.Errorf(account.CodeCodeInvalid, "The invitation is not valid; ask for a new one.")
}

// pendingInvitation finds the invitation of a token: 400 code_invalid if
// unknown or used, code_expired if expired.
func (s *Service) pendingInvitation(ctx context.Context, token string) (Invitation, error) {
	id, secret, ok := parseInviteToken(token)
	if !ok {
		return Invitation{}, errInviteInvalid()
	}
	inv, err := s.Store.GetInvitation(ctx, id)
	if errors.Is(err, account.ErrNotFound) {
		return Invitation{}, errInviteInvalid()
	}
	if err != nil {
		return Invitation{}, account.Internal(err)
	}
	if subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(inv.TokenHash)) != 1 {
		return Invitation{}, errInviteInvalid()
	}
	if !s.Now().Before(inv.ExpiresAt) {
		return Invitation{}, account.Errorf(account.CodeCodeExpired, "The invitation has expired; ask for a new one.")
	}
	return inv, nil
}

// ErrInvitationVoid is the 410 invitation_void answer to an invitation
// whose inviter no longer may make it.
var errInvitationVoid = account.Errorf(account.CodeInvitationVoid, "The invitation is no longer valid: whoever sent it may no longer invite with this role. Ask for a new one.")

// inviterMayStill voids an invitation whose inviter no longer has the
// right to make it (demoted, removed from the organization, or deleted):
// the invitation is deleted and 410 invitation_void answered, nothing is
// created. Without this an admin could invite an accomplice as admin, be
// demoted, and the accomplice would still join as admin. An invitation
// stored before inviters were recorded (no InvitedBy) is honoured until
// it expires.
func (s *Service) inviterMayStill(ctx context.Context, inv Invitation) error {
	if inv.InvitedBy == "" {
		return nil
	}
	inviter, err := s.Store.GetUser(ctx, inv.InvitedBy)
	if err != nil && !errors.Is(err, account.ErrNotFound) {
		return account.Internal(err)
	}
	offered := account.User{Orgs: map[string]account.Membership{inv.OrgID: {Role: inv.Role}}}
	if err == nil && authz.Can(inviter, authz.Invite, offered, inv.OrgID) {
		return nil
	}
	if err := s.Store.DeleteInvitation(ctx, inv.OrgID, inv.ID); err != nil && !errors.Is(err, account.ErrNotFound) {
		return account.Internal(err)
	}
	return errInvitationVoid
}

// PendingInvitation is an invitation as its organization's owners and
// administrators list it: no token, no names typed for the invitee.
type PendingInvitation struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	InvitedBy string    `json:"invitedBy"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// orgStaff checks that actor is an owner or administrator of orgID (404 for
// a non-member, 403 for a user).
func orgStaff(actor account.User, orgID string) error {
	if err := memberOf(actor, orgID); err != nil {
		return err
	}
	if !authz.Can(actor, authz.ListMembers, account.User{}, orgID) {
		return account.Errorf(account.CodeForbidden, "Only administrators and owners can manage invitations.")
	}
	return nil
}

// Invitations lists orgID's pending invitations, oldest first (GET
// /v1/organizations/{id}/invitations): owners and administrators only.
func (s *Service) Invitations(ctx context.Context, actor account.User, orgID string) ([]PendingInvitation, error) {
	if err := orgStaff(actor, orgID); err != nil {
		return nil, err
	}
	invs, err := s.Store.ListInvitations(ctx, orgID, s.Now())
	if err != nil {
		return nil, account.Internal(err)
	}
	out := make([]PendingInvitation, 0, len(invs))
	for _, inv := range invs {
		out = append(out, PendingInvitation{ID: inv.ID, Email: inv.Email, Role: inv.Role, InvitedBy: inv.InvitedBy, CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

// RevokeInvitation deletes a pending invitation of orgID (DELETE
// /v1/organizations/{id}/invitations/{invitationId}): its token stops
// working at once. Owners and administrators only; an administrator may
// revoke only invitations with a role they could give. Audited as
// member.invite_revoked.
func (s *Service) RevokeInvitation(ctx context.Context, actor account.User, orgID, id string) error {
	if err := orgStaff(actor, orgID); err != nil {
		return err
	}
	notFound := account.Errorf(account.CodeNotFound, "No such invitation.")
	if _, err := uuid.Parse(id); err != nil {
		return notFound
	}
	inv, err := s.Store.GetInvitation(ctx, id)
	if errors.Is(err, account.ErrNotFound) || (err == nil && inv.OrgID != orgID) {
		return notFound
	}
	if err != nil {
		return account.Internal(err)
	}
	offered := account.User{Orgs: map[string]account.Membership{orgID: {Role: inv.Role}}}
	if !authz.Can(actor, authz.Invite, offered, orgID) {
		return account.Errorf(account.CodeForbidden, "You may not revoke an invitation with this role.")
	}
	if err := s.Store.DeleteInvitation(ctx, orgID, id); errors.Is(err, account.ErrNotFound) {
		return notFound
	} else if err != nil {
		return account.Internal(err)
	}
	return s.record(ctx, actor.ID, actor.ID, orgID, audit.ActionInviteRevoked, map[string]string{"invitation": id, "role": inv.Role})
}

// stillPending tells a conflict caused by the invitation being used
// meanwhile (false) from one caused by the user or roster changing.
func (s *Service) stillPending(ctx context.Context, inv Invitation) (bool, error) {
	cur, err := s.Store.GetInvitation(ctx, inv.ID)
	if errors.Is(err, account.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, account.Internal(err)
	}
	return cur.TokenHash == inv.TokenHash && s.Now().Before(cur.ExpiresAt), nil
}

func (s *Service) acceptSignedIn(ctx context.Context, u account.User, inv Invitation, password string) (InOrg, error) {
	if password != "" {
		return InOrg{}, account.Invalid("password", "must be omitted when you accept signed in")
	}
	if !strings.EqualFold(account.NormalizeEmail(u.Email), inv.Email) {
		return InOrg{}, account.Errorf(account.CodeForbidden, "This invitation was sent to another email address; sign in with that account.")
	}
	for attempt := 0; ; attempt++ {
		if _, ok := u.Orgs[inv.OrgID]; ok {
			return InOrg{}, account.Errorf(account.CodeConflict, "You are already a member of this organization.")
		}
		roster, err := s.Store.GetRoster(ctx, inv.OrgID)
		if errors.Is(err, account.ErrNotFound) {
			return InOrg{}, errInviteInvalid() // the organization is gone
		}
		if err != nil {
			return InOrg{}, account.Internal(err)
		}
		now := s.Now().UTC()
		next := u
		next.Orgs = copyOrgs(u.Orgs)
		next.Orgs[inv.OrgID] = account.Membership{Role: inv.Role, JoinedAt: now}
		next.Version = u.Version + 1
		next.UpdatedAt = now
		evs := s.event(ctx, events.MemberAdded, map[string]any{"organizationId": inv.OrgID, "userId": u.ID, "role": inv.Role, "invitedBy": inv.InvitedBy})
		err = s.Store.AcceptInvitationExisting(ctx, inv, now, roster.Rev, next, u.Version, evs...)
		if err == nil {
			s.Events.Deliver(ctx, evs...)
			if err := s.record(ctx, u.ID, u.ID, inv.OrgID, audit.ActionInviteAccepted, map[string]string{"role": inv.Role}); err != nil {
				return InOrg{}, err
			}
			return InOrg{User: next, OrgID: inv.OrgID}, nil
		}
		if !errors.Is(err, account.ErrConflict) {
			return InOrg{}, account.Internal(err)
		}
		if pending, err := s.stillPending(ctx, inv); err != nil || !pending {
			if err != nil {
				return InOrg{}, err
			}
			return InOrg{}, errInviteInvalid()
		}
		if attempt >= 3 {
			return InOrg{}, account.Errorf(account.CodeConflict, "The organization is being changed by another request; retry.")
		}
		if u, err = s.Store.GetUser(ctx, u.ID); err != nil {
			return InOrg{}, account.Internal(err)
		}
	}
}

func (s *Service) acceptNew(ctx context.Context, inv Invitation, password string) (Accepted, error) {
	signIn := account.Errorf(account.CodeUnauthenticated, "This address has an account: sign in and accept the invitation with your session.")
	switch _, err := s.Store.LookupEmail(ctx, inv.Email); {
	case err == nil:
		return Accepted{}, signIn
	case !errors.Is(err, account.ErrNotFound):
		return Accepted{}, account.Internal(err)
	}
	var v account.Validation
	for _, p := range s.Policy.CheckContext(ctx, password, inv.Email, inv.FirstName, inv.LastName) {
		v.Add("password", p)
	}
	if err := v.Err(); err != nil {
		return Accepted{}, err
	}
	hash, err := s.Hasher.Hash(password)
	if err != nil {
		return Accepted{}, account.Internal(err)
	}
	src := request.Client(ctx)
	for attempt := 0; ; attempt++ {
		roster, err := s.Store.GetRoster(ctx, inv.OrgID)
		if errors.Is(err, account.ErrNotFound) {
			return Accepted{}, errInviteInvalid() // the organization is gone
		}
		if err != nil {
			return Accepted{}, account.Internal(err)
		}
		now := s.Now().UTC()
		u := account.User{
			// The invitation reached the address: accepting it proves it.
			ID: uuid.NewString(), Email: inv.Email, EmailVerified: account.Verified(), FirstName: inv.FirstName, LastName: inv.LastName,
			Language: inv.Language, Timezone: "UTC", CreatedAt: now, UpdatedAt: now, Version: 1,
			Orgs: map[string]account.Membership{inv.OrgID: {Role: inv.Role, JoinedAt: now}},
		}
		u.Defaults()
		sess, token, err := s.Sessions.New(u.ID, src.UserAgent, src.IP)
		if err != nil {
			return Accepted{}, account.Internal(err)
		}
		evs := s.event(ctx, events.MemberAdded, map[string]any{"organizationId": inv.OrgID, "userId": u.ID, "role": inv.Role, "invitedBy": inv.InvitedBy})
		err = s.Store.AcceptInvitationNew(ctx, inv, now, roster.Rev, u, hash, sess, evs...)
		switch {
		case err == nil:
			request.SetUserID(ctx, u.ID)
			s.Events.Deliver(ctx, evs...)
			if err := s.record(ctx, u.ID, u.ID, inv.OrgID, audit.ActionInviteAccepted, map[string]string{"role": inv.Role}); err != nil {
				return Accepted{}, err
			}
			return Accepted{
				InOrg:   InOrg{User: u, OrgID: inv.OrgID},
				Session: &sessions.Issued{ID: sess.ID, Token: token, ExpiresAt: sess.ExpiresAt},
			}, nil
		case errors.Is(err, account.ErrEmailTaken):
			return Accepted{}, signIn
		case !errors.Is(err, account.ErrConflict):
			return Accepted{}, account.Internal(err)
		}
		if pending, err := s.stillPending(ctx, inv); err != nil || !pending {
			if err != nil {
				return Accepted{}, err
			}
			return Accepted{}, errInviteInvalid()
		}
		if attempt >= 3 {
			return Accepted{}, account.Errorf(account.CodeConflict, "The organization is being changed by another request; retry.")
		}
	}
}
