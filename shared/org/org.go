// Package org is organizations and their staff: invitations, staff
// profiles (GET/PATCH /v1/users/{id}), roles, the audit log listings and
// account deletion. Its routes are served by the profile function (API.md
// lists them under Profile), except POST /v1/auth/accept-invite, which the
// auth function serves. Who may do what is decided by package authz only.
package org

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/authz"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/password"
	"github.com/example/myprofile/shared/profile/basic"
	"github.com/example/myprofile/shared/ratelimit"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/sessions"
)

// InviteTTL is how long an invitation stays valid.
const InviteTTL = 7 * 24 * time.Hour

// Reauth checks the current password (reauth.Checker).
type Reauth interface {
	Check(ctx context.Context, u account.User, pw, field string) error
}

// UserSaver writes a user record conditioned on its version (store.SaveUser).
type UserSaver interface {
	SaveUser(ctx context.Context, u account.User, expectVersion int64) error
}

// Service serves the organization routes.
type Service struct {
	Store    Store
	Users    UserSaver
	AuditLog audit.Store
	Audit    audit.Sink
	Sessions *sessions.Service
	Reauth   Reauth
	Hasher   *password.Hasher
	Policy   password.Policy
	Mailer   notify.Mailer
	AppName  string
	Now      func() time.Time
	Log      *slog.Logger
	// PseudonymKey keys the HMAC that replaces a deleted user's id in the
	// audit entries kept after deletion.
	PseudonymKey []byte
	// Invites limits invitations per inviting user (each sends an email).
	Invites ratelimit.Limiter
	// OnDelete hooks remove a deleted user's data kept outside the table
	// (e.g. avatar objects). They run before the user's items are deleted
	// and must be idempotent: a resumed deletion runs them again.
	OnDelete []func(ctx context.Context, u account.User) error
	// Complete, when set, fills in what a user's view needs that this
	// package cannot compute (phone.FillFormats in the profile function:
	// the display formats of an older record's phone).
	Complete func(u *account.User)
}

// Routes are the routes the profile function serves.
func (s *Service) Routes() httpapi.Routes {
	req := s.Sessions.Require
	return httpapi.Routes{
		"GET /v1/users":                    req(httpapi.Handle(s.listUsers)),
		"POST /v1/users":                   req(httpapi.Handle(s.invite)),
		"GET /v1/users/{id}":               req(httpapi.Handle(s.getUser)),
		"PATCH /v1/users/{id}":             req(httpapi.Handle(s.patchUser)),
		"PUT /v1/users/{id}/role":          req(httpapi.Handle(s.setRole)),
		"DELETE /v1/me":                    req(httpapi.Handle(s.deleteMe)),
		"GET /v1/me/audit":                 req(httpapi.Handle(s.myAudit)),
		"GET /v1/organizations/{id}/audit": req(httpapi.Handle(s.orgAudit)),
	}
}

// AuthRoutes are the routes the auth function serves (merge them into
// auth.Service.ExtraRoutes).
func (s *Service) AuthRoutes() httpapi.Routes {
	return httpapi.Routes{"POST /v1/auth/accept-invite": httpapi.Handle(s.acceptInvite)}
}

func (s *Service) record(r *http.Request, actor, subject, orgID, action string, details map[string]string) error {
	if s.Audit == nil {
		return nil
	}
	if err := s.Audit.Record(r.Context(), audit.FromRequest(r, actor, subject, orgID, action, details)); err != nil {
		return account.Internal(err)
	}
	return nil
}

// paging reads ?limit= (1..100, default 50) and ?cursor=.
func paging(r *http.Request) (int, string, error) {
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return 0, "", account.Invalid("limit", "must be an integer from 1 to 100")
		}
		limit = n
	}
	return limit, q.Get("cursor"), nil
}

var errCursor = account.Invalid("cursor", "is not a cursor this listing returned")

func notFoundUser() error { return account.Errorf(account.CodeNotFound, "No such user.") }

// resolve finds the subject of a /v1/users/{id} request and the
// organization the action happens in: the X-Organization-Id one if given,
// otherwise the first shared organization where authz allows it. A subject
// who shares no organization with the actor is answered 404 (their
// existence is not revealed); a shared one without permission 403.
func (s *Service) resolve(r *http.Request, actor account.User, action authz.Action) (account.User, string, error) {
	id := r.PathValue("id")
	var subject account.User
	if id == actor.ID {
		subject = actor
	} else {
		if _, err := uuid.Parse(id); err != nil {
			return account.User{}, "", notFoundUser()
		}
		u, err := s.Store.GetUser(r.Context(), id)
		if errors.Is(err, account.ErrNotFound) {
			return account.User{}, "", notFoundUser()
		}
		if err != nil {
			return account.User{}, "", account.Internal(err)
		}
		subject = u
	}
	var candidates []string
	if strings.TrimSpace(r.Header.Get(basic.OrgHeader)) != "" {
		oid, _, err := basic.CurrentOrg(r, actor)
		if err != nil {
			return account.User{}, "", err
		}
		candidates = []string{oid}
	} else {
		if def, _, ok := actor.CurrentOrg(""); ok {
			candidates = append(candidates, def)
		}
		var rest []string
		for oid := range actor.Orgs {
			if len(candidates) == 0 || oid != candidates[0] {
				rest = append(rest, oid)
			}
		}
		sort.Strings(rest)
		candidates = append(candidates, rest...)
	}
	shared := false
	for _, oid := range candidates {
		if _, ok := subject.Orgs[oid]; !ok {
			continue
		}
		shared = true
		if authz.Can(actor, action, subject, oid) {
			return subject, oid, nil
		}
	}
	if !shared {
		return account.User{}, "", notFoundUser()
	}
	return account.User{}, "", account.Errorf(account.CodeForbidden, "You may not do this to this user.")
}

func (s *Service) listUsers(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	limit, cursor, err := paging(r)
	if err != nil {
		return err
	}
	orgID, _, err := basic.CurrentOrg(r, p.User)
	if err != nil {
		return err
	}
	if !authz.Can(p.User, authz.ListMembers, account.User{}, orgID) {
		return account.Errorf(account.CodeForbidden, "Only administrators and owners can list the staff.")
	}
	members, next, err := s.Store.ListMembers(r.Context(), orgID, cursor, limit)
	if errors.Is(err, ErrBadCursor) {
		return errCursor
	}
	if err != nil {
		return account.Internal(err)
	}
	ids := make([]string, 0, len(members))
	for _, m := range members {
		ids = append(ids, m.UserID)
	}
	users, err := s.Store.GetUsers(r.Context(), ids)
	if err != nil {
		return account.Internal(err)
	}
	out := make([]basic.Profile, 0, len(ids))
	for _, id := range ids {
		if u, ok := users[id]; ok {
			out = append(out, s.view(u, orgID))
		}
	}
	body := map[string]any{"users": out}
	if next != "" {
		body["nextCursor"] = next
	}
	httpapi.WriteJSON(w, http.StatusOK, body)
	return nil
}

// view is a user's Profile in an organization.
func (s *Service) view(u account.User, orgID string) basic.Profile {
	if s.Complete != nil {
		s.Complete(&u)
	}
	return basic.View(u, orgID)
}

func (s *Service) writeUser(w http.ResponseWriter, status int, u account.User, orgID string) {
	w.Header().Set("ETag", basic.ETag(u))
	httpapi.WriteJSON(w, status, s.view(u, orgID))
}

func (s *Service) getUser(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	u, orgID, err := s.resolve(r, p.User, authz.ViewProfile)
	if err != nil {
		return err
	}
	s.writeUser(w, http.StatusOK, u, orgID)
	return nil
}

// staffEditable are the personal fields an administrator may change on
// another user's profile. Email, phone, password and 2FA have their own
// flows that only the user can go through; preferences stay the user's.
var staffEditable = map[string]bool{"firstName": true, "lastName": true, "displayName": true}

func (s *Service) patchUser(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	subject, orgID, err := s.resolve(r, p.User, authz.EditProfile)
	if err != nil {
		return err
	}
	body, err := httpapi.ReadBody(r)
	if err != nil {
		return err
	}
	var members map[string]json.RawMessage
	if err := httpapi.DecodeBytes(body, &members); err != nil {
		return err
	}
	var v account.Validation
	fields := make([]string, 0, len(members))
	for k := range members {
		fields = append(fields, k)
	}
	sort.Strings(fields)
	for _, k := range fields {
		if !staffEditable[k] {
			v.Add(k, "cannot be changed here; only firstName, lastName and displayName can")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	ifMatch := strings.TrimSpace(r.Header.Get("If-Match"))
	for attempt := 0; ; attempt++ {
		if ifMatch != "" && ifMatch != "*" && ifMatch != basic.ETag(subject) {
			return account.Errorf(account.CodePrecondition, "The profile changed since you read it; read it again and retry.")
		}
		next, err := basic.Apply(subject, body, basic.NameFields(), nil)
		if err != nil {
			return err
		}
		next.Version = subject.Version + 1
		next.UpdatedAt = s.Now().UTC()
		err = s.Users.SaveUser(r.Context(), next, subject.Version)
		switch {
		case err == nil:
			if p.User.ID != subject.ID {
				if err := s.record(r, p.User.ID, subject.ID, orgID, audit.ActionProfileEdited, map[string]string{"fields": strings.Join(fields, ",")}); err != nil {
					return err
				}
			}
			s.writeUser(w, http.StatusOK, next, orgID)
			return nil
		case errors.Is(err, account.ErrConflict) && attempt < 3:
			if subject, err = s.Store.GetUser(r.Context(), subject.ID); err != nil {
				return account.Internal(err)
			}
		case errors.Is(err, account.ErrConflict):
			return account.Errorf(account.CodeConflict, "The profile is being changed by another request; retry.")
		case errors.Is(err, account.ErrNotFound):
			return notFoundUser()
		default:
			return account.Internal(err)
		}
	}
}

func (s *Service) setRole(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	subject, orgID, err := s.resolve(r, p.User, authz.ChangeRole)
	if err != nil {
		return err
	}
	var body struct {
		Role string `json:"role"`
	}
	if err := httpapi.Decode(r, &body); err != nil {
		return err
	}
	if !account.ValidRole(body.Role) {
		return account.Invalid("role", `must be "user", "admin" or "owner"`)
	}
	for attempt := 0; ; attempt++ {
		roster, err := s.Store.GetRoster(r.Context(), orgID)
		if err != nil {
			return account.Internal(err)
		}
		cur, ok := subject.Orgs[orgID]
		if !ok {
			return notFoundUser()
		}
		if cur.Role == body.Role {
			s.writeUser(w, http.StatusOK, subject, orgID)
			return nil
		}
		if cur.Role == account.RoleOwner && roster.Owners() <= 1 {
			return soleOwner([]account.Organization{roster.Org}, "An organization needs an owner: make someone else owner first.")
		}
		next := subject
		next.Orgs = copyOrgs(subject.Orgs)
		next.Orgs[orgID] = account.Membership{Role: body.Role, JoinedAt: cur.JoinedAt}
		next.Version = subject.Version + 1
		next.UpdatedAt = s.Now().UTC()
		err = s.Store.PutMembership(r.Context(), next, subject.Version, orgID, roster.Rev)
		if err == nil {
			if err := s.record(r, p.User.ID, subject.ID, orgID, audit.ActionRoleChanged, map[string]string{"from": cur.Role, "to": body.Role}); err != nil {
				return err
			}
			s.writeUser(w, http.StatusOK, next, orgID)
			return nil
		}
		if !errors.Is(err, account.ErrConflict) || attempt >= 3 {
			if errors.Is(err, account.ErrConflict) {
				return account.Errorf(account.CodeConflict, "The organization is being changed by another request; retry.")
			}
			return account.Internal(err)
		}
		if subject, err = s.Store.GetUser(r.Context(), subject.ID); err != nil {
			return account.Internal(err)
		}
	}
}

func copyOrgs(m map[string]account.Membership) map[string]account.Membership {
	out := make(map[string]account.Membership, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// soleOwner is the 409 naming the organizations that would lose their
// last owner.
func soleOwner(orgs []account.Organization, detail string) error {
	list := make([]map[string]string, 0, len(orgs))
	for _, o := range orgs {
		list = append(list, map[string]string{"id": o.ID, "name": o.Name})
	}
	e := account.Errorf(account.CodeSoleOwner, "%s", detail)
	e.Extra = map[string]any{"organizations": list}
	return e
}

func (s *Service) myAudit(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	limit, cursor, err := paging(r)
	if err != nil {
		return err
	}
	page, err := s.AuditLog.ListUserAudit(r.Context(), p.User.ID, cursor, limit)
	for i, x := range page.Entries {
		if x.Actor != p.User.ID {
			// Another person's address is theirs: owners see it in the
			// organization's log, the subject does not.
			page.Entries[i].IP = ""
		}
	}
	return writeAudit(w, page, err)
}

func (s *Service) orgAudit(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	orgID := r.PathValue("id")
	if _, ok := p.User.Orgs[orgID]; !ok {
		return account.Errorf(account.CodeNotFound, "No such organization.")
	}
	if !authz.Can(p.User, authz.ViewOrgAudit, account.User{}, orgID) {
		return account.Errorf(account.CodeForbidden, "Only owners can read the organization's audit log.")
	}
	limit, cursor, err := paging(r)
	if err != nil {
		return err
	}
	page, err := s.AuditLog.ListOrgAudit(r.Context(), orgID, cursor, limit)
	return writeAudit(w, page, err)
}

func writeAudit(w http.ResponseWriter, page audit.Page, err error) error {
	if errors.Is(err, audit.ErrBadCursor) {
		return errCursor
	}
	if err != nil {
		return account.Internal(err)
	}
	body := map[string]any{"entries": page.Entries}
	if page.Next != "" {
		body["nextCursor"] = page.Next
	}
	httpapi.WriteJSON(w, http.StatusOK, body)
	return nil
}

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

type inviteRequest struct {
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Role      string `json:"role"`
}

func (s *Service) invite(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	var req inviteRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	orgID, _, err := basic.CurrentOrg(r, p.User)
	if err != nil {
		return err
	}
	var v account.Validation
	email := v.Check("email", req.Email, account.CleanEmail)
	first := v.Check("firstName", req.FirstName, basic.CleanName)
	last := v.Check("lastName", req.LastName, basic.CleanName)
	if !account.ValidRole(req.Role) {
		v.Add("role", `must be "user", "admin" or "owner"`)
	}
	if err := v.Err(); err != nil {
		return err
	}
	offered := account.User{Orgs: map[string]account.Membership{orgID: {Role: req.Role}}}
	if !authz.Can(p.User, authz.Invite, offered, orgID) {
		return account.Errorf(account.CodeForbidden, "You may not invite someone with this role.")
	}
	if err := s.limitInvites(r.Context(), p.User.ID); err != nil {
		return err
	}
	roster, err := s.Store.GetRoster(r.Context(), orgID)
	if err != nil {
		return account.Internal(err)
	}
	// Nothing of an existing account is read, changed or answered here: the
	// answer is the same whether the address has an account or not (no
	// email oracle, no profile), and membership comes only when the invitee
	// accepts. Only someone already on the roster, whom the inviter can
	// see anyway, is a conflict.
	tmpl := InvitationEmail
	uid, err := s.Store.LookupEmail(r.Context(), email)
	switch {
	case err == nil:
		for _, m := range roster.Members {
			if m.UserID == uid {
				return &account.Error{Code: account.CodeConflict, Detail: "This person is already a member of the organization.",
					Fields: []account.FieldError{{Field: "email", Message: "is already a member"}}}
			}
		}
		// Nothing more is read for an existing account (not even its
		// language): both paths do the same work.
		tmpl = InvitationExistingEmail
	case !errors.Is(err, account.ErrNotFound):
		return account.Internal(err)
	}
	now := s.Now().UTC()
	inv := Invitation{ID: uuid.NewString(), Email: email, FirstName: first, LastName: last, Language: p.User.Language,
		OrgID: orgID, Role: req.Role, ExpiresAt: now.Add(InviteTTL)}
	token, hash, err := newInviteToken(inv.ID)
	if err != nil {
		return account.Internal(err)
	}
	inv.TokenHash = hash
	if err := s.Store.PutInvitation(r.Context(), inv); err != nil {
		return account.Internal(err)
	}
	// The subject is the inviter: naming an existing invitee here would tell
	// the organization's owners that the address has an account.
	if err := s.record(r, p.User.ID, p.User.ID, orgID, audit.ActionMemberInvited, map[string]string{"role": req.Role, "invitation": inv.ID}); err != nil {
		return err
	}
	msgData := map[string]any{
		"App": s.AppName, "Name": first, "Inviter": p.User.DisplayName, "Org": roster.Org.Name,
		"Token": token, "Expires": inv.ExpiresAt.Format("2006-01-02 15:04"),
	}
	if err := s.send(r.Context(), tmpl, p.User.Language, email, msgData); err != nil {
		return account.Internal(err)
	}
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]any{"invitation": invitationJSON{
		Email: email, FirstName: first, LastName: last, Role: req.Role, OrganizationID: orgID, ExpiresAt: inv.ExpiresAt,
	}})
	return nil
}

// invitationJSON is the answer to an invitation: only what the inviter
// typed and when it expires, the same for every address.
type invitationJSON struct {
	Email          string    `json:"email"`
	FirstName      string    `json:"firstName"`
	LastName       string    `json:"lastName"`
	Role           string    `json:"role"`
	OrganizationID string    `json:"organizationId"`
	ExpiresAt      time.Time `json:"expiresAt"`
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

func (s *Service) send(ctx context.Context, t notify.Template, lang, to string, data any) error {
	msg, err := t.Render(lang, data)
	if err != nil {
		return err
	}
	msg.To = to
	return s.Mailer.SendEmail(ctx, msg)
}

type acceptRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// acceptInvite consumes an invitation. Signed in (Bearer session of the
// account the invitation was sent to), it adds the membership to that
// account and answers its profile in the organization; otherwise it creates
// the account with the password and signs it in. An address that has an
// account meanwhile (say, it signed up before accepting) must sign in.
func (s *Service) acceptInvite(w http.ResponseWriter, r *http.Request) error {
	var req acceptRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	var signedIn *account.User
	if tok, ok := sessions.BearerToken(r); ok {
		p, err := s.Sessions.Authenticate(r.Context(), tok)
		if errors.Is(err, sessions.ErrInvalid) {
			return account.Errorf(account.CodeUnauthenticated, "The session is not valid; sign in again.")
		}
		if err != nil {
			return account.Internal(err)
		}
		request.SetUserID(r.Context(), p.User.ID)
		signedIn = &p.User
	}
	inv, err := s.pendingInvitation(r.Context(), req.Token)
	if err != nil {
		return err
	}
	if signedIn != nil {
		return s.acceptSignedIn(w, r, *signedIn, inv, req)
	}
	return s.acceptNew(w, r, inv, req)
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

func (s *Service) acceptSignedIn(w http.ResponseWriter, r *http.Request, u account.User, inv Invitation, req acceptRequest) error {
	if req.Password != "" {
		return account.Invalid("password", "must be omitted when you accept signed in")
	}
	if !strings.EqualFold(account.NormalizeEmail(u.Email), inv.Email) {
		return account.Errorf(account.CodeForbidden, "This invitation was sent to another email address; sign in with that account.")
	}
	for attempt := 0; ; attempt++ {
		if _, ok := u.Orgs[inv.OrgID]; ok {
			return account.Errorf(account.CodeConflict, "You are already a member of this organization.")
		}
		roster, err := s.Store.GetRoster(r.Context(), inv.OrgID)
		if errors.Is(err, account.ErrNotFound) {
			return errInviteInvalid() // the organization is gone
		}
		if err != nil {
			return account.Internal(err)
		}
		now := s.Now().UTC()
		next := u
		next.Orgs = copyOrgs(u.Orgs)
		next.Orgs[inv.OrgID] = account.Membership{Role: inv.Role, JoinedAt: now}
		next.Version = u.Version + 1
		next.UpdatedAt = now
		err = s.Store.AcceptInvitationExisting(r.Context(), inv, now, roster.Rev, next, u.Version)
		if err == nil {
			if err := s.record(r, u.ID, u.ID, inv.OrgID, audit.ActionInviteAccepted, map[string]string{"role": inv.Role}); err != nil {
				return err
			}
			s.writeUser(w, http.StatusOK, next, inv.OrgID)
			return nil
		}
		if !errors.Is(err, account.ErrConflict) {
			return account.Internal(err)
		}
		if pending, err := s.stillPending(r.Context(), inv); err != nil || !pending {
			if err != nil {
				return err
			}
			return errInviteInvalid()
		}
		if attempt >= 3 {
			return account.Errorf(account.CodeConflict, "The organization is being changed by another request; retry.")
		}
		if u, err = s.Store.GetUser(r.Context(), u.ID); err != nil {
			return account.Internal(err)
		}
	}
}

func (s *Service) acceptNew(w http.ResponseWriter, r *http.Request, inv Invitation, req acceptRequest) error {
	signIn := account.Errorf(account.CodeUnauthenticated, "This address has an account: sign in and accept the invitation with your session.")
	switch _, err := s.Store.LookupEmail(r.Context(), inv.Email); {
	case err == nil:
		return signIn
	case !errors.Is(err, account.ErrNotFound):
		return account.Internal(err)
	}
	var v account.Validation
	for _, p := range s.Policy.Check(req.Password, inv.Email) {
		v.Add("password", p)
	}
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := s.Hasher.Hash(req.Password)
	if err != nil {
		return account.Internal(err)
	}
	src := request.Client(r.Context())
	for attempt := 0; ; attempt++ {
		roster, err := s.Store.GetRoster(r.Context(), inv.OrgID)
		if errors.Is(err, account.ErrNotFound) {
			return errInviteInvalid() // the organization is gone
		}
		if err != nil {
			return account.Internal(err)
		}
		now := s.Now().UTC()
		u := account.User{
			ID: uuid.NewString(), Email: inv.Email, FirstName: inv.FirstName, LastName: inv.LastName,
			Language: inv.Language, Timezone: "UTC", CreatedAt: now, UpdatedAt: now, Version: 1,
			Orgs: map[string]account.Membership{inv.OrgID: {Role: inv.Role, JoinedAt: now}},
		}
		u.Defaults()
		sess, token, err := s.Sessions.New(u.ID, src.UserAgent, src.IP)
		if err != nil {
			return account.Internal(err)
		}
		err = s.Store.AcceptInvitationNew(r.Context(), inv, now, roster.Rev, u, hash, sess)
		switch {
		case err == nil:
			request.SetUserID(r.Context(), u.ID)
			if err := s.record(r, u.ID, u.ID, inv.OrgID, audit.ActionInviteAccepted, map[string]string{"role": inv.Role}); err != nil {
				return err
			}
			httpapi.WriteJSON(w, http.StatusOK, map[string]any{
				"session": sessions.Issued{ID: sess.ID, Token: token, ExpiresAt: sess.ExpiresAt},
			})
			return nil
		case errors.Is(err, account.ErrEmailTaken):
			return signIn
		case !errors.Is(err, account.ErrConflict):
			return account.Internal(err)
		}
		if pending, err := s.stillPending(r.Context(), inv); err != nil || !pending {
			if err != nil {
				return err
			}
			return errInviteInvalid()
		}
		if attempt >= 3 {
			return account.Errorf(account.CodeConflict, "The organization is being changed by another request; retry.")
		}
	}
}
