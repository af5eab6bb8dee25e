package org

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/authz"
	"github.com/example/myprofile/shared/events"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/password"
	"github.com/example/myprofile/shared/password/strength"
	"github.com/example/myprofile/shared/profile/basic"
	"github.com/example/myprofile/shared/ratelimit"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/sessions"
)

// InviteTTL is how long an invitation stays valid by default
// (Service.InviteExpiry sets another).
const InviteTTL = 7 * 24 * time.Hour

// Reauth checks the current password (reauth.Checker).
type Reauth interface {
	Check(ctx context.Context, u account.User, pw, field string) error
}

// SecondFactor checks a current second factor for a sensitive change
// (twofactor.Service.CheckStepUp): nil when the user has 2FA off; 401
// mfa_invalid when the factor (a code or a passkey assertion) is missing
// or wrong.
type SecondFactor interface {
	CheckStepUp(ctx context.Context, u account.User, f account.StepUp) error
}

// UserSaver writes a user record conditioned on its version (store.SaveUser).
type UserSaver interface {
	SaveUser(ctx context.Context, u account.User, expectVersion int64) error
}

// Service is the organizations capability; http.go serves it.
type Service struct {
	Store    Store
	Users    UserSaver
	AuditLog audit.Store
	Audit    audit.Sink
	Sessions *sessions.Service
	Reauth   Reauth
	// SecondFactor is the step-up account deletion needs with 2FA on;
	// without it such a deletion is refused (mfa_invalid).
	SecondFactor SecondFactor
	Hasher       *password.Hasher
	Policy       strength.Policy
	Mailer       notify.Mailer
	AppName      string
	Now          func() time.Time
	Log          *slog.Logger
	// PseudonymKey keys the HMAC that replaces a deleted user's id in the
	// audit entries kept after deletion.
	PseudonymKey []byte
	// Invites limits invitations per inviting user (each sends an email).
	Invites ratelimit.Limiter
	// InvitesTo limits invitations per recipient address across all
	// organizations (3 a day when wired).
	InvitesTo ratelimit.Limiter
	// Events publishes the domain events of committed changes (nil: none).
	Events *events.Emitter
	// Exports limits personal data exports per user (5 a day when wired).
	Exports ratelimit.Limiter
	// InviteExpiry is how long an invitation stays valid (0: InviteTTL).
	InviteExpiry time.Duration
	// OnDelete hooks remove a deleted user's data kept outside the table
	// (e.g. avatar objects). They run before the user's items are deleted
	// and must be idempotent: a resumed deletion runs them again.
	OnDelete []func(ctx context.Context, u account.User) error
}

// InOrg is a user as seen from one organization: the staff routes answer
// the user's profile with their role there.
type InOrg struct {
	User  account.User
	OrgID string
}

// Page asks for one page of a listing: Limit from 1 to 100, Cursor "" for
// the first page or the nextCursor of the previous one.
type Page struct {
	Limit  int
	Cursor string
}

func (p Page) check() error {
	if p.Limit < 1 || p.Limit > 100 {
		return account.Invalid("limit", "must be an integer from 1 to 100")
	}
	return nil
}

// StaffPage is one page of an organization's staff.
type StaffPage struct {
	OrgID string
	Users []account.User
	Next  string
}

func (s *Service) record(ctx context.Context, actor, subject, orgID, action string, details map[string]string) error {
	if s.Audit == nil {
		return nil
	}
	e := audit.Entry{
		Actor: actor, Subject: subject, OrgID: orgID, Action: action,
		RequestID: request.ID(ctx), IP: request.Client(ctx).IP,
		Details: details,
	}
	if err := s.Audit.Record(ctx, e); err != nil {
		return account.Internal(err)
	}
	return nil
}

var errCursor = account.Invalid("cursor", "is not a cursor this listing returned")

func notFoundUser() error { return account.Errorf(account.CodeNotFound, "No such user.") }

// currentOrg is the organization a request acts in: the requested one
// (X-Organization-Id), which the user must be a member of (404 otherwise,
// as if it did not exist), or by default the first the user joined.
func currentOrg(u account.User, requested string) (string, error) {
	want := strings.TrimSpace(requested)
	id, _, ok := u.CurrentOrg(want)
	if !ok && want != "" {
		return "", account.Errorf(account.CodeNotFound, "No such organization.")
	}
	return id, nil
}

// Staff finds the user userID for an action of actor's, and the
// organization the action happens in: orgID if given (X-Organization-Id),
// otherwise the first shared organization where authz allows it. A user
// who shares no organization with the actor is not found (their existence
// is not revealed); a shared one without permission is forbidden.
func (s *Service) Staff(ctx context.Context, actor account.User, userID, orgID string, action authz.Action) (InOrg, error) {
	var subject account.User
	if userID == actor.ID {
		subject = actor
	} else {
		if _, err := uuid.Parse(userID); err != nil {
			return InOrg{}, notFoundUser()
		}
		u, err := s.Store.GetUser(ctx, userID)
		if errors.Is(err, account.ErrNotFound) {
			return InOrg{}, notFoundUser()
		}
		if err != nil {
			return InOrg{}, account.Internal(err)
		}
		subject = u
	}
	var candidates []string
	if strings.TrimSpace(orgID) != "" {
		oid, err := currentOrg(actor, orgID)
		if err != nil {
			return InOrg{}, err
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
			return InOrg{User: subject, OrgID: oid}, nil
		}
	}
	if !shared {
		return InOrg{}, notFoundUser()
	}
	return InOrg{}, errMayNot
}

var errMayNot = account.Errorf(account.CodeForbidden, "You may not do this to this user.")

// allowed checks again that actor may do action to a subject found by
// Staff, so a subject found for another action cannot be used.
func allowed(actor account.User, action authz.Action, subject InOrg) error {
	if !authz.Can(actor, action, subject.User, subject.OrgID) {
		return errMayNot
	}
	return nil
}

// ListStaff lists one page of the members of an organization (orgID, or
// the actor's first by default); only administrators and owners may.
func (s *Service) ListStaff(ctx context.Context, actor account.User, orgID string, page Page) (StaffPage, error) {
	if err := page.check(); err != nil {
		return StaffPage{}, err
	}
	orgID, err := currentOrg(actor, orgID)
	if err != nil {
		return StaffPage{}, err
	}
	if !authz.Can(actor, authz.ListMembers, account.User{}, orgID) {
		return StaffPage{}, account.Errorf(account.CodeForbidden, "Only administrators and owners can list the staff.")
	}
	members, next, err := s.Store.ListMembers(ctx, orgID, page.Cursor, page.Limit)
	if errors.Is(err, ErrBadCursor) {
		return StaffPage{}, errCursor
	}
	if err != nil {
		return StaffPage{}, account.Internal(err)
	}
	ids := make([]string, 0, len(members))
	for _, m := range members {
		ids = append(ids, m.UserID)
	}
	users, err := s.Store.GetUsers(ctx, ids)
	if err != nil {
		return StaffPage{}, account.Internal(err)
	}
	out := StaffPage{OrgID: orgID, Users: make([]account.User, 0, len(ids)), Next: next}
	for _, id := range ids {
		if u, ok := users[id]; ok {
			out.Users = append(out.Users, u)
		}
	}
	return out, nil
}

// view is a user's Profile in an organization.
// The phone's display formats are stored with it when it is verified.
func (s *Service) view(u account.User, orgID string) basic.Profile {
	return basic.View(u, orgID)
}

// staffEditable are the personal fields an administrator may change on
// another user's profile. Email, phone, password and 2FA have their own
// flows that only the user can go through; preferences stay the user's.
var staffEditable = map[string]bool{"firstName": true, "lastName": true, "displayName": true}

// EditStaff applies a JSON merge patch of names (firstName, lastName,
// displayName) to a user found by Staff for authz.EditProfile. ifMatch,
// unless "" or "*", must be the user's current ETag. A change to someone
// else's profile is audited.
func (s *Service) EditStaff(ctx context.Context, actor account.User, subject InOrg, ifMatch string, patch []byte) (InOrg, error) {
	if err := allowed(actor, authz.EditProfile, subject); err != nil {
		return InOrg{}, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(patch, &members); err != nil {
		return InOrg{}, account.Errorf(account.CodeValidation, "The request body is not valid JSON.")
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
		return InOrg{}, err
	}
	ifMatch = strings.TrimSpace(ifMatch)
	u, orgID := subject.User, subject.OrgID
	for attempt := 0; ; attempt++ {
		if ifMatch != "" && ifMatch != "*" && ifMatch != basic.ETag(u) {
			return InOrg{}, account.Errorf(account.CodePrecondition, "The profile changed since you read it; read it again and retry.")
		}
		next, err := basic.Apply(u, patch, basic.NameFields(), nil)
		if err != nil {
			return InOrg{}, err
		}
		next.Version = u.Version + 1
		next.UpdatedAt = s.Now().UTC()
		err = s.Users.SaveUser(ctx, next, u.Version)
		switch {
		case err == nil:
			if fields := basic.ChangedFields(u, next, patch); len(fields) > 0 {
				s.emit(ctx, events.ProfileUpdated, map[string]any{"userId": u.ID, "fields": fields})
			}
			if actor.ID != u.ID {
				if err := s.record(ctx, actor.ID, u.ID, orgID, audit.ActionProfileEdited, map[string]string{"fields": strings.Join(fields, ",")}); err != nil {
					return InOrg{}, err
				}
			}
			return InOrg{User: next, OrgID: orgID}, nil
		case errors.Is(err, account.ErrConflict) && attempt < 3:
			if u, err = s.Store.GetUser(ctx, u.ID); err != nil {
				return InOrg{}, account.Internal(err)
			}
		case errors.Is(err, account.ErrConflict):
			return InOrg{}, account.Errorf(account.CodeConflict, "The profile is being changed by another request; retry.")
		case errors.Is(err, account.ErrNotFound):
			return InOrg{}, notFoundUser()
		default:
			return InOrg{}, account.Internal(err)
		}
	}
}

// SetRole gives a user found by Staff for authz.ChangeRole the role (user,
// admin or owner) in the organization found. The last owner keeps the
// role (409 sole_owner). A change is audited; the same role changes
// nothing.
func (s *Service) SetRole(ctx context.Context, actor account.User, subject InOrg, role string) (InOrg, error) {
	if err := allowed(actor, authz.ChangeRole, subject); err != nil {
		return InOrg{}, err
	}
	if !account.ValidRole(role) {
		return InOrg{}, account.Invalid("role", `must be "user", "admin" or "owner"`)
	}
	u, orgID := subject.User, subject.OrgID
	for attempt := 0; ; attempt++ {
		roster, err := s.Store.GetRoster(ctx, orgID)
		if err != nil {
			return InOrg{}, account.Internal(err)
		}
		cur, ok := u.Orgs[orgID]
		if !ok {
			return InOrg{}, notFoundUser()
		}
		if cur.Role == role {
			return InOrg{User: u, OrgID: orgID}, nil
		}
		if cur.Role == account.RoleOwner && roster.Owners() <= 1 {
			return InOrg{}, soleOwner([]account.Organization{roster.Org}, "An organization needs an owner: make someone else owner first.")
		}
		next := u
		next.Orgs = copyOrgs(u.Orgs)
		next.Orgs[orgID] = account.Membership{Role: role, JoinedAt: cur.JoinedAt}
		next.Version = u.Version + 1
		next.UpdatedAt = s.Now().UTC()
		evs := s.event(ctx, events.MemberRoleChanged, map[string]any{"organizationId": orgID, "userId": u.ID, "actorId": actor.ID, "from": cur.Role, "to": role})
		err = s.Store.PutMembership(ctx, next, u.Version, orgID, roster.Rev, evs...)
		if err == nil {
			s.Events.Deliver(ctx, evs...)
			if err := s.record(ctx, actor.ID, u.ID, orgID, audit.ActionRoleChanged, map[string]string{"from": cur.Role, "to": role}); err != nil {
				return InOrg{}, err
			}
			return InOrg{User: next, OrgID: orgID}, nil
		}
		if !errors.Is(err, account.ErrConflict) || attempt >= 3 {
			if errors.Is(err, account.ErrConflict) {
				return InOrg{}, account.Errorf(account.CodeConflict, "The organization is being changed by another request; retry.")
			}
			return InOrg{}, account.Internal(err)
		}
		if u, err = s.Store.GetUser(ctx, u.ID); err != nil {
			return InOrg{}, account.Internal(err)
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

// MyAudit lists one page of the audit entries about u. Other people's IP
// addresses are left out.
func (s *Service) MyAudit(ctx context.Context, u account.User, page Page) (audit.Page, error) {
	if err := page.check(); err != nil {
		return audit.Page{}, err
	}
	out, err := s.AuditLog.ListUserAudit(ctx, u.ID, page.Cursor, page.Limit)
	for i, x := range out.Entries {
		if x.Actor != u.ID {
			// Another person's address is theirs: owners see it in the
			// organization's log, the subject does not.
			out.Entries[i].IP = ""
		}
	}
	return auditPage(out, err)
}

// OrgAudit lists one page of an organization's audit log; only its owners
// may read it.
func (s *Service) OrgAudit(ctx context.Context, actor account.User, orgID string, page Page) (audit.Page, error) {
	if _, ok := actor.Orgs[orgID]; !ok {
		return audit.Page{}, account.Errorf(account.CodeNotFound, "No such organization.")
	}
	if !authz.Can(actor, authz.ViewOrgAudit, account.User{}, orgID) {
		return audit.Page{}, account.Errorf(account.CodeForbidden, "Only owners can read the organization's audit log.")
	}
	if err := page.check(); err != nil {
		return audit.Page{}, err
	}
	return auditPage(s.AuditLog.ListOrgAudit(ctx, orgID, page.Cursor, page.Limit))
}

func auditPage(page audit.Page, err error) (audit.Page, error) {
	if errors.Is(err, audit.ErrBadCursor) {
		return audit.Page{}, errCursor
	}
	if err != nil {
		return audit.Page{}, account.Internal(err)
	}
	return page, nil
}

// emit publishes one domain event of a committed change (never fails).
func (s *Service) emit(ctx context.Context, detailType string, detail map[string]any) {
	if s.Events == nil {
		return
	}
	s.Events.Emit(ctx, s.Events.New(ctx, detailType, detail))
}

// event makes the event a change reports, for the store to put in the
// outbox within the change's transaction (none without an Emitter); after
// the commit, s.Events.Deliver publishes it.
func (s *Service) event(ctx context.Context, detailType string, detail map[string]any) []events.Event {
	if s.Events == nil {
		return nil
	}
	return []events.Event{s.Events.New(ctx, detailType, detail)}
}
