package audit

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/request"
)

// Actions recorded. Keep the names stable: clients filter on them.
const (
	ActionSignedUp          = "account.signed_up"
	ActionAccountDeleted    = "account.deleted"
	ActionPasswordChanged   = "password.changed"
	ActionEmailChanged      = "email.changed"
	ActionPhoneChanged      = "phone.changed"
	ActionTwoFactorEnabled  = "two_factor.enabled"
	ActionTwoFactorDisabled = "two_factor.disabled"
	// ActionPasswordReset: the password was set with an emailed reset code.
	ActionPasswordReset = "password.reset"
	// ActionBackupCodesRegenerated: a new set of backup codes replaced the old.
	ActionBackupCodesRegenerated = "two_factor.backup_codes_regenerated"
	ActionSessionRevoked         = "session.revoked"
	ActionSessionsRevoked        = "sessions.revoked"
	ActionRoleChanged            = "member.role_changed"
	ActionMemberInvited          = "member.invited"
	ActionInviteAccepted         = "member.invite_accepted"
	ActionProfileEdited          = "profile.edited_by_admin"
	ActionMemberRemoved          = "member.removed"
	ActionMemberLeft             = "member.left"
	ActionInviteRevoked          = "member.invite_revoked"
	ActionAccountExported        = "account.exported"
)

// Entry is one audit record.
type Entry struct {
	ID        string            `json:"id"`
	Actor     string            `json:"actor"`   // user id of who did it (a pseudonym once that user is deleted)
	Subject   string            `json:"subject"` // user id of whose account changed
	OrgID     string            `json:"organizationId,omitempty"`
	Action    string            `json:"action"`
	At        time.Time         `json:"at"`
	RequestID string            `json:"requestId,omitempty"`
	IP        string            `json:"ipAddress,omitempty"`
	Details   map[string]string `json:"details,omitempty"`
}

// Validate checks the fields every entry needs.
func (e Entry) Validate() error {
	switch {
	case e.Actor == "":
		return errors.New("audit: entry without actor")
	case e.Subject == "":
		return errors.New("audit: entry without subject")
	case e.Action == "":
		return errors.New("audit: entry without action")
	case e.ID == "" || e.At.IsZero():
		return errors.New("audit: entry without id or time")
	}
	return nil
}

// Page is one page of a listing.
type Page struct {
	Entries []Entry
	// Next is the opaque cursor of the following page ("" at the end).
	Next string
}

// ErrBadCursor is returned for a cursor the store did not issue.
var ErrBadCursor = errors.New("audit: invalid cursor")

// Store keeps entries. Entries are only ever appended; the one rewrite is
// the anonymization that account deletion performs.
type Store interface {
	// AppendAudit stores a new entry (it fails rather than overwrite one).
	AppendAudit(ctx context.Context, e Entry) error
	// ListUserAudit lists the entries whose subject is userID, newest first.
	// ErrBadCursor for a cursor it did not issue.
	ListUserAudit(ctx context.Context, userID, cursor string, limit int) (Page, error)
	// ListOrgAudit lists the entries recorded in an organization, newest first.
	ListOrgAudit(ctx context.Context, orgID, cursor string, limit int) (Page, error)
}

// Sink is what capabilities hold to record entries (Recorder implements it).
type Sink interface {
	Record(ctx context.Context, e Entry) error
}

var _ Sink = Recorder{}

// Recorder appends entries, filling their id and time.
type Recorder struct {
	Store Store
	Now   func() time.Time
}

// Record appends e. ID and At are filled when empty.
func (r Recorder) Record(ctx context.Context, e Entry) error {
	if e.ID == "" {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("audit id: %w", err)
		}
		e.ID = hex.EncodeToString(b[:])
	}
	if e.At.IsZero() {
		e.At = r.Now().UTC()
	}
	if e.RequestID == "" {
		e.RequestID = request.ID(ctx)
	}
	if err := e.Validate(); err != nil {
		return err
	}
	if err := r.Store.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("record %s: %w", e.Action, err)
	}
	return nil
}

// FromRequest builds an entry for a change made by a request: the request
// id and the client's IP come from the request. orgID may be "" for
// changes that are not about one organization.
func FromRequest(r *http.Request, actor, subject, orgID, action string, details map[string]string) Entry {
	return Entry{
		Actor: actor, Subject: subject, OrgID: orgID, Action: action,
		RequestID: request.ID(r.Context()), IP: request.Client(r.Context()).IP,
		Details: details,
	}
}

// Pseudonym is the stable stand-in for a deleted user's id in the entries
// kept after deletion: the same id always gives the same pseudonym (entries
// stay linkable to each other) but the id cannot be read back from it
// without the key.
func Pseudonym(key []byte, userID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(userID))
	return "deleted-" + hex.EncodeToString(m.Sum(nil))[:24]
}

// RecordOwn appends the entry for a change users made to their own account
// (password, email, phone, 2FA), in their current organization so its
// owners see it too. The change is stored already, so a failure is logged,
// not answered: a retry of the request would not redo the change. A nil
// sink records nothing.
func RecordOwn(r *http.Request, sink Sink, log *slog.Logger, u account.User, action string, details map[string]string) {
	if sink == nil {
		return
	}
	orgID, _, _ := u.CurrentOrg("")
	if err := sink.Record(r.Context(), FromRequest(r, u.ID, u.ID, orgID, action, details)); err != nil && log != nil {
		log.ErrorContext(r.Context(), "audit "+action, "userId", u.ID, "error", err.Error())
	}
}
