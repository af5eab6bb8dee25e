package auth

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/profile/basic"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/sessions"
)

// RequestSignUp starts a sign-up: it checks the fields (all invalid ones
// answered at once, each named), hashes the password and mails the
// address. For an address without an account it stores a pending sign-up
// (replacing any earlier one of the address) and mails a 6-digit code; for
// an address that has an account it stores nothing and mails the owner
// that someone tried to sign up, with how to sign in or reset the
// password. Both cases do the same work (one password hash, one email
// lookup, one mail) and return the same value, so neither the answer nor
// its timing tells whether the address has an account. Requests are
// limited per client IP (Signups) and mails per address (SignupMails).
func (s *Service) RequestSignUp(ctx context.Context, in SignUp) (time.Time, error) {
	if err := s.SignUpOpen(); err != nil {
		return time.Time{}, err
	}
	src := request.Client(ctx)
	if err := limited(s.Signups.Hit(ctx, "signup-ip#"+src.IP)); err != nil {
		return time.Time{}, err
	}
	p, err := s.checkSignUp(ctx, in)
	if err != nil {
		return time.Time{}, err
	}
	if err := limited(s.SignupMails.Hit(ctx, "signup-email#"+p.Email)); err != nil {
		return time.Time{}, err
	}
	// Hashed in both branches: the cost of a sign-up must not tell.
	p.PasswordHash, err = s.Hasher.Hash(in.Password)
	if err != nil {
		return time.Time{}, account.Internal(err)
	}
	now := s.Now().UTC().Truncate(time.Second)
	expires := now.Add(CodeTTL)
	_, err = s.Store.LookupEmail(ctx, p.Email)
	switch {
	case err == nil:
		// Any account counts: every account's address was proven (see
		// account.User.EmailIsVerified).
		if err := s.mail(ctx, SignUpExistingEmail, p.Language, p.Email, map[string]string{
			"App": s.AppName, "When": now.Format("2006-01-02 15:04"),
		}); err != nil {
			return time.Time{}, err
		}
		s.Log.InfoContext(ctx, "sign-up for a registered address")
		return expires, nil
	case !errors.Is(err, account.ErrNotFound):
		return time.Time{}, account.Internal(err)
	}
	code, id, err := newCode()
	if err != nil {
		return time.Time{}, account.Internal(err)
	}
	p.ID, p.CreatedAt, p.CodeExpiresAt, p.ExpiresAt = id, now, expires, now.Add(PendingTTL)
	if p.CodeHash, err = s.codeMAC(ctx, p.Ref(), code); err != nil {
		return time.Time{}, account.Internal(err)
	}
	if err := s.Store.PutPendingSignUp(ctx, p); err != nil {
		return time.Time{}, account.Internal(err)
	}
	if err := s.mail(ctx, SignUpCodeEmail, p.Language, p.Email, map[string]string{
		"App": s.AppName, "Name": p.FirstName, "Code": code, "Expires": expires.Format("2006-01-02 15:04"),
	}); err != nil {
		return time.Time{}, err
	}
	s.Log.InfoContext(ctx, "sign-up code sent")
	return expires, nil
}

// checkSignUp validates and cleans a sign-up into a pending one (without
// id, hash or times).
func (s *Service) checkSignUp(ctx context.Context, in SignUp) (PendingSignUp, error) {
	var v account.Validation
	email := v.Check("email", in.Email, account.CleanEmail)
	for _, p := range s.Policy.CheckContext(ctx, in.Password, email, in.FirstName, in.LastName) {
		v.Add("password", p)
	}
	first := v.Check("firstName", in.FirstName, basic.CleanName)
	last := v.Check("lastName", in.LastName, basic.CleanName)
	lang, tz := "en", "UTC"
	if in.Language != "" {
		lang = v.Check("language", in.Language, basic.CleanLanguage)
	}
	if in.Timezone != "" {
		tz = v.Check("timezone", in.Timezone, basic.CleanTimezone)
	}
	orgName := first + "'s organization"
	if strings.TrimSpace(in.OrgName) != "" {
		orgName = v.Check("orgName", in.OrgName, basic.CleanName)
	}
	if err := v.Err(); err != nil {
		return PendingSignUp{}, err
	}
	return PendingSignUp{Email: email, FirstName: first, LastName: last, Language: lang, Timezone: tz, OrgName: orgName}, nil
}

// ConfirmSignUp creates the account of a pending sign-up when code is the
// one mailed: the user (address verified), an organization the user owns
// and a first session, written with the deletion of the pending sign-up in
// one conditional transaction, so a code works once and two confirmations
// racing make one account (the other gets email_taken or code_invalid). Wrong codes:
// code_invalid with the attempts remaining, the fifth voids the pending
// sign-up (429 too_many_attempts); past 15 minutes, code_expired.
func (s *Service) ConfirmSignUp(ctx context.Context, email, code string) (account.User, sessions.Issued, error) {
	if err := s.SignUpOpen(); err != nil {
		return account.User{}, sessions.Issued{}, err
	}
	var v account.Validation
	email = v.Check("email", email, account.CleanEmail)
	code = strings.TrimSpace(code)
	if code == "" {
		v.Add("code", "must not be empty")
	} else if len(code) > 16 {
		v.Add("code", "is too long")
	}
	if err := v.Err(); err != nil {
		return account.User{}, sessions.Issued{}, err
	}
	p, err := s.Store.GetPendingSignUp(ctx, email)
	if errors.Is(err, ErrNoPending) {
		return account.User{}, sessions.Issued{}, noPending()
	}
	if err != nil {
		return account.User{}, sessions.Issued{}, account.Internal(err)
	}
	if err := s.checkCode(ctx, p.Ref(), p.CodeHash, p.CodeExpiresAt, code); err != nil {
		return account.User{}, sessions.Issued{}, err
	}
	now := s.Now().UTC()
	orgID := uuid.NewString()
	u := account.User{
		ID: uuid.NewString(), Email: p.Email, EmailVerified: account.Verified(), FirstName: p.FirstName, LastName: p.LastName,
		Language: p.Language, Timezone: p.Timezone, CreatedAt: now, UpdatedAt: now, Version: 1,
		Orgs: map[string]account.Membership{orgID: {Role: account.RoleOwner, JoinedAt: now}},
	}
	u.Defaults()
	src := request.Client(ctx)
	sess, token, err := s.Sessions.New(u.ID, src.UserAgent, src.IP)
	if err != nil {
		return account.User{}, sessions.Issued{}, account.Internal(err)
	}
	err = s.Store.CreateAccount(ctx, NewAccount{
		User: u, PasswordHash: p.PasswordHash, Session: sess, Pending: p,
		Org: account.Organization{ID: orgID, Name: p.OrgName, CreatedAt: now},
	})
	switch {
	case errors.Is(err, ErrNoPending):
		// Another confirmation of the same code won the race.
		return account.User{}, sessions.Issued{}, noPending()
	case errors.Is(err, account.ErrEmailTaken):
		// The address got an account meanwhile (an invitation accepted);
		// the caller proved the address, so saying so leaks nothing.
		_ = s.Store.DeleteCode(ctx, p.Ref())
		return account.User{}, sessions.Issued{}, &account.Error{Code: account.CodeEmailTaken, Detail: "An account with this email already exists; sign in instead.",
			Fields: []account.FieldError{{Field: "email", Message: "is already in use"}}, Cause: err}
	case err != nil:
		return account.User{}, sessions.Issued{}, account.Internal(err)
	}
	request.SetUserID(ctx, u.ID)
	if s.Audit != nil {
		e := audit.Entry{Actor: u.ID, Subject: u.ID, OrgID: orgID, Action: audit.ActionSignedUp, RequestID: request.ID(ctx), IP: src.IP}
		if err := s.Audit.Record(ctx, e); err != nil {
			// The account exists: answering 500 would make the client retry
			// into a used code. Log and go on.
			s.Log.ErrorContext(ctx, "audit signup", "error", err.Error())
		}
	}
	s.Log.InfoContext(ctx, "signup", "userId", u.ID, "orgId", orgID)
	return u, sessions.Issued{ID: sess.ID, Token: token, ExpiresAt: sess.ExpiresAt}, nil
}
