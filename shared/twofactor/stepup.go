package twofactor

import (
	"context"
	"errors"

	"github.com/example/myprofile/shared/account"
)

// Step-up: with 2FA on, the most sensitive changes (removing a factor,
// which turns 2FA off with the last one; regenerating backup codes;
// deleting the account) need the password AND a current second factor,
// the re-authentication with all factors ASVS asks for: a session and a
// password alone (a stolen laptop, a phished password) cannot take the
// second factor away.
//
// The factor is `code` in the request body: a code of the authenticator
// app (single use, as at sign-in) or an unused backup code (consumed).
// Wrong codes count against the user's second-factor limit and lock like
// sign-in's (lockout.go). A user with neither an authenticator nor a
// backup code left (SMS or passkeys only) may regenerate backup codes with
// the password alone: there is nothing to step up with yet.

// errStepUp refuses a step-up: 401 mfa_invalid (ErrRefused).
func errStepUp() error {
	return refusal(ErrRefused, account.Errorf(account.CodeMFAInvalid,
		"With two-factor sign-in on, this change needs a current second factor: send code (a code of your authenticator app or a backup code)."))
}

// CheckStepUp checks the current second factor code of u for a sensitive
// change, once the password was checked: nil when 2FA is off. A missing,
// wrong or replayed code is ErrRefused (401 mfa_invalid); over the
// second-factor limit or while locked, ErrTooManyAttempts (429).
func (s *Service) CheckStepUp(ctx context.Context, u account.User, code string) (err error) {
	if !u.TwoFactor.Enabled {
		return nil
	}
	if code == "" || len(code) > 32 {
		return errStepUp()
	}
	struck, err := s.takeAttempt(ctx, u.ID)
	if err != nil {
		return err
	}
	defer func() { s.settleAttempt(ctx, u.ID, struck, err) }()
	if isTOTPCode(code) && hasMethod(u, MethodTOTP) {
		t, terr := s.Store.GetTOTP(ctx, u.ID)
		err = s.checkTOTP(ctx, u, t, terr, code, s.Now().UTC())
	} else {
		var bc *BackupCode
		if bc, err = s.checkBackupCode(ctx, u, code); err == nil {
			err = s.consumeBackupCode(ctx, u, *bc)
		}
	}
	if errors.Is(err, ErrRefused) {
		return errStepUp()
	}
	return err
}

// stepUp checks the password, then the second factor (CheckStepUp).
func (s *Service) stepUp(ctx context.Context, u account.User, password, code string) error {
	if err := s.Reauth.Check(ctx, u, password, "password"); err != nil {
		return err
	}
	return s.CheckStepUp(ctx, u, code)
}

func isTOTPCode(c string) bool {
	if len(c) != 6 {
		return false
	}
	for i := 0; i < len(c); i++ {
		if c[i] < '0' || c[i] > '9' {
			return false
		}
	}
	return true
}
