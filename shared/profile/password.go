package profile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/password"
	"github.com/example/myprofile/shared/password/strength"
	"github.com/example/myprofile/shared/sessions"
)

// PasswordStore replaces password hashes.
type PasswordStore interface {
	// ReplacePasswordHash sets the user's hash to newHash if it is still
	// oldHash; account.ErrConflict if it changed meanwhile.
	ReplacePasswordHash(ctx context.Context, userID, oldHash, newHash string) error
}

// Reauthenticator checks the current password (reauth.Checker).
type Reauthenticator interface {
	// Check returns nil when pw is u's current password, otherwise the API
	// error to answer (409 sso_managed, 429, 400, 401 invalid_credentials).
	Check(ctx context.Context, u account.User, pw, field string) error
	// CheckedHash is Check that also returns the stored hash pw matched.
	CheckedHash(ctx context.Context, u account.User, pw, field string) (string, error)
}

// PasswordService serves PUT /v1/me/password.
type PasswordService struct {
	Reauth   Reauthenticator
	Hasher   *password.Hasher
	Policy   strength.Policy
	Store    PasswordStore
	Sessions *sessions.Service
	Mailer   notify.Mailer
	AppName  string
	Now      func() time.Time
	Log      *slog.Logger
	// Audit records the change (nil: not recorded).
	Audit audit.Sink
}

// ErrPasswordRaced: another request changed the password between the
// check of the current one and the write of the new one.
var ErrPasswordRaced = account.Errorf(account.CodeConflict, "Your password was changed by another request meanwhile; sign in with it and try again.")

// Change replaces the password of p's user after checking the current one
// (Reauth: sso_managed, rate_limited, invalid_credentials), checks the new
// one against the policy, signs out every other session, records the change
// and emails a notice. Of two concurrent changes one wins; the other gets
// ErrPasswordRaced.
func (s *PasswordService) Change(ctx context.Context, p sessions.Principal, current, next string) error {
	u := p.User
	if u.SSOManaged {
		return s.Reauth.Check(ctx, u, current, "currentPassword")
	}
	if next == "" {
		var v account.Validation
		v.Add("newPassword", "must not be empty")
		if current == "" {
			v.Add("currentPassword", "must not be empty")
		}
		return v.Err()
	}
	currentHash, err := s.Reauth.CheckedHash(ctx, u, current, "currentPassword")
	if err != nil {
		return err
	}
	var v account.Validation
	for _, msg := range s.Policy.CheckContext(ctx, next, u.Email, u.FirstName, u.LastName) {
		v.Add("newPassword", msg)
	}
	if next == current {
		v.Add("newPassword", "must differ from the current password")
	}
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := s.Hasher.Hash(next)
	if err != nil {
		return account.Internal(fmt.Errorf("change password: %w", err))
	}
	// Only over the hash the current password matched: of two concurrent
	// changes one wins, the other is told.
	err = s.Store.ReplacePasswordHash(ctx, u.ID, currentHash, hash)
	if errors.Is(err, account.ErrConflict) {
		return ErrPasswordRaced
	}
	if err != nil {
		return account.Internal(fmt.Errorf("change password: %w", err))
	}
	revoked, err := s.Sessions.Store.DeleteSessions(ctx, u.ID, p.Session.ID)
	if err != nil {
		return account.Internal(fmt.Errorf("change password: revoke sessions: %w", err))
	}
	audit.RecordOwnContext(ctx, s.Audit, s.Log, u, audit.ActionPasswordChanged, map[string]string{"otherSessionsRevoked": strconv.Itoa(revoked)})
	s.notice(ctx, u)
	return nil
}

// notice emails the user; the change stands even if the mail fails, so a
// failure is logged, not answered.
func (s *PasswordService) notice(ctx context.Context, u account.User) {
	name := u.DisplayName
	if name == "" {
		name = u.FirstName
	}
	mail, err := PasswordChanged.Render(u.Language, map[string]string{
		"App": s.AppName, "Name": name, "When": s.Now().UTC().Format("2006-01-02 15:04"),
	})
	if err == nil {
		mail.To = u.Email
		err = s.Mailer.SendEmail(ctx, mail)
	}
	if err != nil && s.Log != nil {
		s.Log.ErrorContext(ctx, "password change notice not sent", "err", err, "userId", u.ID)
	}
}
