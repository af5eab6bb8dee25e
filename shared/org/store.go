package org

import (
	"context"
	"errors"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/events"
	"github.com/example/myprofile/shared/sessions"
)

// Roster is an organization with every member, read in one query, and the
// revision every membership change is conditioned on: two concurrent
// changes (say, the last two owners demoting each other) cannot both win.
type Roster struct {
	Org     account.Organization
	Members []account.Member
	Rev     int64
}

// Owners counts the owners on the roster.
func (r Roster) Owners() int {
	n := 0
	for _, m := range r.Members {
		if m.Role == account.RoleOwner {
			n++
		}
	}
	return n
}

// Invitation is a pending invitation: single use, expiring. Nothing is
// created for the invitee until they accept (no user, no email item, no
// membership), so an invitation neither reserves an address nor reveals
// whether it has an account. Only the SHA-256 of the token's secret is
// stored.
type Invitation struct {
	ID        string
	Email     string
	FirstName string
	LastName  string
	Language  string
	OrgID     string
	Role      string
	TokenHash string
	ExpiresAt time.Time
	// InvitedBy is the inviter's user id: at acceptance they must still be
	// allowed to make this invitation.
	InvitedBy string
	CreatedAt time.Time
}

// Store is the storage of organizations, memberships, invitations and
// account deletion. Every membership change writes the user record
// (conditioned on its version, with User.Orgs already changed), the
// organization's member item and the roster revision in one transaction.
type Store interface {
	// GetUser reads a user (strongly consistent); account.ErrNotFound if absent.
	GetUser(ctx context.Context, userID string) (account.User, error)
	// GetUsers reads up to 100 users; absent ones are missing from the map.
	GetUsers(ctx context.Context, ids []string) (map[string]account.User, error)
	// LookupEmail returns the id holding an email; account.ErrNotFound if none.
	LookupEmail(ctx context.Context, email string) (string, error)
	// GetRoster reads an organization and its members; account.ErrNotFound
	// if the organization does not exist.
	GetRoster(ctx context.Context, orgID string) (Roster, error)
	// ListMembers lists one page of members; next is "" on the last page.
	// ErrBadCursor for a cursor it did not issue.
	ListMembers(ctx context.Context, orgID, cursor string, limit int) (members []account.Member, next string, err error)
	// The methods that commit a change in one transaction take the events
	// that report it (evs) and put them in the events outbox within that
	// transaction (store/eventsdb.TransactPuts): an event is recorded if and
	// only if its change commits.
	//
	// PutMembership stores u (whose Orgs[orgID] is the new membership) and
	// the member item. account.ErrConflict if the user or the roster changed.
	PutMembership(ctx context.Context, u account.User, expectVersion int64, orgID string, orgRev int64, evs ...events.Event) error
	// RemoveMembership stores u (without orgID) and deletes the member item
	// and the user's other items in the organization. With last, the
	// organization itself is deleted too. account.ErrConflict on a race.
	RemoveMembership(ctx context.Context, u account.User, expectVersion int64, orgID string, orgRev int64, last bool, evs ...events.Event) error
	// GetOrgs reads the organization items of ids (absent ones are
	// missing from the map).
	GetOrgs(ctx context.Context, ids []string) (map[string]account.Organization, error)
	// LeaveOrganizations stores u (without any of the organizations left)
	// and, for each departure, deletes the member item and billing alert and
	// bumps the roster revision (conditioned on Rev), all in one
	// transaction: either every membership goes or none. An organization
	// left empty (Last) is deleted after the commit. account.ErrConflict if
	// the user or any roster changed. At most MaxDepartures at once.
	LeaveOrganizations(ctx context.Context, u account.User, expectVersion int64, leaving []Departure, evs ...events.Event) error
	// UserItems reads every item of the user's partition and the user's
	// billing alert in each of orgIDs, for the personal data export.
	UserItems(ctx context.Context, uid string, orgIDs []string) ([]StoredItem, error)
	// PutInvitation stores a pending invitation (expiring at ExpiresAt).
	PutInvitation(ctx context.Context, inv Invitation) error
	// ListInvitations lists an organization's invitations pending at now.
	ListInvitations(ctx context.Context, orgID string, now time.Time) ([]Invitation, error)
	// DeleteInvitation deletes a pending invitation of orgID (revoked or
	// void); account.ErrNotFound if there is none.
	DeleteInvitation(ctx context.Context, orgID, id string) error
	// GetInvitation reads a pending invitation by id, expired or not;
	// account.ErrNotFound if none.
	GetInvitation(ctx context.Context, id string) (Invitation, error)
	// AcceptInvitationNew consumes the invitation (only if its hash is still
	// inv.TokenHash and it has not expired at now) and creates the account u
	// (already a member of inv.OrgID) with its email item, password, member
	// item and first session, atomically. account.ErrEmailTaken if the email
	// is held; account.ErrConflict if the invitation was used meanwhile or
	// the roster changed.
	AcceptInvitationNew(ctx context.Context, inv Invitation, now time.Time, orgRev int64, u account.User, passwordHash string, sess sessions.Session, evs ...events.Event) error
	// AcceptInvitationExisting consumes the invitation and stores u (whose
	// Orgs[inv.OrgID] is the new membership) with its member item,
	// atomically. account.ErrConflict if the invitation was used meanwhile,
	// or the user or the roster changed.
	AcceptInvitationExisting(ctx context.Context, inv Invitation, now time.Time, orgRev int64, u account.User, expectVersion int64, evs ...events.Event) error
	// AnonymizeAudit replaces the user's id by pseudonym in every audit entry
	// naming them and drops personal fields. Idempotent.
	AnonymizeAudit(ctx context.Context, userID, pseudonym string) error
	// DeleteUserData deletes every item of the user outside the audit log
	// (sessions, credentials, 2FA, pending codes, counters, the email
	// uniqueness item), the user record last. Idempotent and resumable.
	DeleteUserData(ctx context.Context, u account.User, evs ...events.Event) error
}

// Departure is one organization an account leaves as it is deleted.
type Departure struct {
	OrgID string
	// Rev is the roster revision read; Gone means the organization item no
	// longer exists (only the user's side is left to clean).
	Rev  int64
	Gone bool
	// Last: the user was its only member, so the organization goes too.
	Last bool
}

// MaxDepartures is how many organizations one account deletion leaves in
// its single transaction: DynamoDB takes 100 items in a transaction and
// each organization needs three (member item, billing alert, roster
// revision) beside the user record. An account in more organizations is
// refused (409 conflict) until it leaves some: a deletion never leaves
// some organizations and not others.
const MaxDepartures = 33

// maxTransactItems is how many writes one DynamoDB transaction takes (the
// change and the outbox puts of its events).
const maxTransactItems = 100

// ErrBadCursor is returned for a page cursor the store did not issue.
var ErrBadCursor = errors.New("org: invalid cursor")
