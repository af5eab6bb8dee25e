package auth

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/request"
)

// ForgotPassword mails the address a way back in: a 6-digit reset code
// (15 minutes, single use, 5 tries) when it has an account with a
// password, a pointer to the identity provider when the account is
// SSO-managed, and, when no account uses it, a mail saying so. Every case
// does the same lookups and sends one mail, and returns the same value, so
// neither answer nor timing tells whether the address has an account.
// Requests are limited per client IP (Resets) and mails per address
// (ResetMails).
func (s *Service) ForgotPassword(ctx context.Context, email string) (time.Time, error) {
	src := request.Client(ctx)
	if err := limited(s.Resets.Hit(ctx, "reset-ip#"+src.IP)); err != nil {
		return time.Time{}, err
	}
	var v account.Validation
	email = v.Check("email", email, account.CleanEmail)
	if err := v.Err(); err != nil {
		return time.Time{}, err
	}
	if err := limited(s.ResetMails.Hit(ctx, "reset-email#"+email)); err != nil {
		return time.Time{}, err
	}
	now := s.Now().UTC().Truncate(time.Second)
	expires := now.Add(CodeTTL)
	u, err := s.userByEmail(ctx, email)
	if errors.Is(err, account.ErrNotFound) {
		if err := s.mail(ctx, ResetUnknownEmail, "en", email, map[string]string{"App": s.AppName, "When": now.Format("2006-01-02 15:04")}); err != nil {
			return time.Time{}, err
		}
		s.Log.InfoContext(ctx, "password reset for an unknown address")
		return expires, nil
	}
	if err != nil {
		return time.Time{}, account.Internal(err)
	}
	name := u.DisplayName
	if name == "" {
		name = u.FirstName
	}
	if u.SSOManaged {
		if err := s.mail(ctx, ResetSSOEmail, u.Language, u.Email, map[string]string{"App": s.AppName, "Name": name, "IdP": u.IdPURL}); err != nil {
			return time.Time{}, err
		}
		s.Log.InfoContext(ctx, "password reset for an SSO-managed account", "userId", u.ID)
		return expires, nil
	}
	code, id, err := newCode()
	if err != nil {
		return time.Time{}, account.Internal(err)
	}
	r := PasswordReset{ID: id, UserID: u.ID, CreatedAt: now, ExpiresAt: expires}
	if r.CodeHash, err = s.codeMAC(ctx, r.Ref(), code); err != nil {
		return time.Time{}, account.Internal(err)
	}
	if err := s.Store.PutPasswordReset(ctx, r); err != nil {
		return time.Time{}, account.Internal(err)
	}
	if err := s.mail(ctx, ResetCodeEmail, u.Language, u.Email, map[string]string{
		"App": s.AppName, "Name": name, "Code": code, "Expires": expires.Format("2006-01-02 15:04"),
	}); err != nil {
		return time.Time{}, err
	}
	s.Log.InfoContext(ctx, "password reset code sent", "userId", u.ID)
	return expires, nil
}

// userByEmail reads the account holding email; account.ErrNotFound if none.
func (s *Service) userByEmail(ctx context.Context, email string) (account.User, error) {
	uid, err := s.Store.LookupEmail(ctx, email)
	if errors.Is(err, account.ErrNotFound) {
		// The same two reads as for a known address, so the time taken
		// does not tell (no user has this id).
		if _, err := s.Store.GetUser(ctx, noUserID); err != nil && !errors.Is(err, account.ErrNotFound) {
			return account.User{}, err
		}
		return account.User{}, account.ErrNotFound
	}
	if err != nil {
		return account.User{}, err
	}
	return s.Store.GetUser(ctx, uid)
}

// ResetPassword sets a new password with the code ForgotPassword mailed.
// The new password must pass the policy (checked first: a refused
// password does not use the code). An unknown address, no pending reset
// and a wrong code all answer code_invalid; the fifth wrong code voids the
// reset (429 too_many_attempts). On success every session of the account
// is revoked, the change is audited and a notice mailed. Second factors
// are untouched: the next sign-in still asks for one.
func (s *Service) ResetPassword(ctx context.Context, email, code, newPassword string) error {
	var v account.Validation
	email = v.Check("email", email, account.CleanEmail)
	code = strings.TrimSpace(code)
	if code == "" {
		v.Add("code", "must not be empty")
	} else if len(code) > 16 {
		v.Add("code", "is too long")
	}
	if newPassword == "" {
		v.Add("newPassword", "must not be empty")
	} else {
		// Not against the account's names: that would need the account
		// first, and the answer would then tell whether it exists.
		for _, msg := range s.Policy.CheckContext(ctx, newPassword, email) {
			v.Add("newPassword", msg)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	u, err := s.userByEmail(ctx, email)
	if errors.Is(err, account.ErrNotFound) {
		return noPending()
	}
	if err != nil {
		return account.Internal(err)
	}
	r, err := s.Store.GetPasswordReset(ctx, u.ID)
	if errors.Is(err, ErrNoPending) {
		return noPending()
	}
	if err != nil {
		return account.Internal(err)
	}
	if err := s.checkCode(ctx, r.Ref(), r.CodeHash, r.ExpiresAt, code); err != nil {
		return err
	}
	hash, err := s.Hasher.Hash(newPassword)
	if err != nil {
		return account.Internal(err)
	}
	err = s.Store.ResetPassword(ctx, u.ID, hash, r.Ref())
	if errors.Is(err, ErrNoPending) {
		return noPending() // a concurrent reset with the same code won
	}
	if err != nil {
		return account.Internal(err)
	}
	request.SetUserID(ctx, u.ID)
	// Everyone holding a session may be the one who took the account over.
	revoked, err := s.Sessions.Store.DeleteSessions(ctx, u.ID, "")
	if err != nil {
		return account.Internal(err)
	}
	audit.RecordOwnContext(ctx, s.Audit, s.Log, u, audit.ActionPasswordReset, map[string]string{"sessionsRevoked": strconv.Itoa(revoked)})
	name := u.DisplayName
	if name == "" {
		name = u.FirstName
	}
	// The password is set: a notice that fails to go is logged, not answered.
	if err := s.mail(ctx, PasswordResetEmail, u.Language, u.Email, map[string]string{
		"App": s.AppName, "Name": name, "When": s.Now().UTC().Format("2006-01-02 15:04"),
	}); err != nil {
		s.Log.ErrorContext(ctx, "password reset notice not sent", "userId", u.ID, "error", err.Error())
	}
	s.Log.InfoContext(ctx, "password reset", "userId", u.ID, "sessionsRevoked", revoked)
	return nil
}
