package twofactor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/metrics"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/phone"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/sessions"
)

// Enrolment: the signed-in user's factors. Every change but confirming an
// authenticator re-checks the current password first; revokeOthers ends
// the caller's other sessions once the change is stored.

// Status is what the user has set up.
type Status struct {
	Enabled bool
	TOTP    bool
	SMS     bool
	// PhoneLast4 is the end of the phone number ("" without one).
	PhoneLast4           string
	Passkeys             []Passkey
	BackupCodesRemaining int
}

// Status returns the user's factors.
func (s *Service) Status(ctx context.Context, u account.User) (Status, error) {
	n, err := s.Store.CountBackupCodes(ctx, u.ID)
	if err != nil {
		return Status{}, account.Internal(err)
	}
	out := Status{Enabled: u.TwoFactor.Enabled, TOTP: hasMethod(u, MethodTOTP), SMS: hasMethod(u, MethodSMS), BackupCodesRemaining: n}
	if len(u.Phone) >= 4 {
		out.PhoneLast4 = u.Phone[len(u.Phone)-4:]
	}
	if out.Passkeys, err = s.Store.ListPasskeys(ctx, u.ID); err != nil {
		return Status{}, account.Internal(err)
	}
	return out, nil
}

// TOTPSetup is a new authenticator secret, shown once to be scanned.
type TOTPSetup struct {
	Secret     string // base32
	OtpauthURI string
	QRPNG      []byte // the URI as a 256x256 QR code
}

// StartTOTP makes a new authenticator secret and keeps it (sealed) for
// PendingTOTPTTL until ConfirmTOTP. 409 conflict when one is set up.
func (s *Service) StartTOTP(ctx context.Context, u account.User, password string) (TOTPSetup, error) {
	if err := s.Reauth.Check(ctx, u, password, "password"); err != nil {
		return TOTPSetup{}, err
	}
	if hasMethod(u, MethodTOTP) {
		return TOTPSetup{}, account.Errorf(account.CodeConflict, "An authenticator app is already set up; remove it first to set up another.")
	}
	key, err := NewTOTPKey(s.Issuer, u.Email)
	if err != nil {
		return TOTPSetup{}, account.Internal(err)
	}
	sealed, err := s.Sealer.Seal(ctx, u.ID, key.Secret())
	if err != nil {
		return TOTPSetup{}, account.Internal(err)
	}
	if err := s.Store.PutPendingTOTP(ctx, u.ID, PendingTOTP{SecretEnc: sealed, ExpiresAt: s.Now().UTC().Add(PendingTOTPTTL)}); err != nil {
		return TOTPSetup{}, account.Internal(err)
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return TOTPSetup{}, account.Internal(fmt.Errorf("qr code: %w", err))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return TOTPSetup{}, account.Internal(fmt.Errorf("qr png: %w", err))
	}
	return TOTPSetup{Secret: key.Secret(), OtpauthURI: key.URL(), QRPNG: buf.Bytes()}, nil
}

// ConfirmTOTP turns the authenticator on with the first code of the secret
// StartTOTP made. It returns the new backup codes when they come with it
// (the first factor, or none left), else nil. A wrong code is
// ErrCodeInvalid and counts against the user's confirmation limit (then
// ErrTooManyAttempts); code_expired when no set-up is pending.
func (s *Service) ConfirmTOTP(ctx context.Context, p sessions.Principal, code string, revokeOthers bool) (_ []string, err error) {
	if code == "" || len(code) > 16 {
		return nil, account.Invalid("code", "must be the 6-digit code your app shows")
	}
	if hasMethod(p.User, MethodTOTP) {
		return nil, account.Errorf(account.CodeConflict, "The authenticator app is already set up.")
	}
	key := "mfa-confirm#" + p.User.ID
	// Counted before the check (atomically); given back unless the code
	// is wrong, so only wrong codes accumulate.
	if err := tooManyCodes(s.Failures.Take(ctx, key)); err != nil {
		return nil, err
	}
	defer func() {
		if errors.Is(err, ErrCodeInvalid) {
			return
		}
		if rerr := s.Failures.Release(ctx, key); rerr != nil {
			s.Log.ErrorContext(ctx, "release totp confirmation attempt", "error", rerr.Error())
		}
	}()
	pend, err := s.Store.GetPendingTOTP(ctx, p.User.ID)
	now := s.Now().UTC()
	if errors.Is(err, account.ErrNotFound) || err == nil && !now.Before(pend.ExpiresAt) {
		return nil, account.Errorf(account.CodeCodeExpired, "There is no authenticator set-up in progress, or it expired; start again.")
	}
	if err != nil {
		return nil, account.Internal(err)
	}
	secret, err := s.Sealer.Open(ctx, p.User.ID, pend.SecretEnc)
	if err != nil {
		return nil, account.Internal(err)
	}
	step, ok, _, err := Standard.Match(secret, code, now, -1)
	if err != nil {
		return nil, account.Internal(err)
	}
	if !ok {
		return nil, errConfirmCode()
	}
	var codes []string
	u, err := s.update(ctx, p.User, func(u account.User) (Change, error) {
		if hasMethod(u, MethodTOTP) {
			return Change{}, account.Errorf(account.CodeConflict, "The authenticator app is already set up.")
		}
		c := Change{
			User: withMethod(u, MethodTOTP, true, now), ExpectVersion: u.Version,
			PutTOTP:           &TOTP{SecretEnc: pend.SecretEnc, LastStep: step, CreatedAt: now},
			DeletePendingTOTP: true,
		}
		var err error
		if codes, c.ReplaceBackupCodes, err = s.backupCodesWith(ctx, u, codes); err != nil {
			return Change{}, err
		}
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.afterChange(ctx, p, u, noticeEnabled, MethodTOTP, revokeOthers); err != nil {
		return nil, err
	}
	return codes, nil
}

// backupCodesWith decides the backup codes that come with a new factor:
// new ones when it is the first factor or none are left (reusing codes
// already made by an earlier try of the same change), else none.
func (s *Service) backupCodesWith(ctx context.Context, u account.User, codes []string) ([]string, []BackupCode, error) {
	n, err := s.Store.CountBackupCodes(ctx, u.ID)
	if err != nil {
		return nil, nil, err
	}
	if u.TwoFactor.Enabled && n > 0 {
		return nil, nil, nil
	}
	if codes == nil {
		if codes, err = newBackupCodes(); err != nil {
			return nil, nil, err
		}
	}
	hashed, err := s.hashBackupCodes(codes)
	if err != nil {
		return nil, nil, err
	}
	return codes, hashed, nil
}

// DisableTOTP removes the authenticator; 404 not_found when there is none.
// Removing the last factor turns 2FA off and deletes the backup codes. It
// needs the password and a current second factor f (stepup.go).
func (s *Service) DisableTOTP(ctx context.Context, p sessions.Principal, password string, f account.StepUp, revokeOthers bool) error {
	return s.disable(ctx, p, MethodTOTP, password, f, revokeOthers)
}

// DisableSMS turns SMS codes off, as DisableTOTP does the authenticator.
func (s *Service) DisableSMS(ctx context.Context, p sessions.Principal, password string, f account.StepUp, revokeOthers bool) error {
	return s.disable(ctx, p, MethodSMS, password, f, revokeOthers)
}

func (s *Service) disable(ctx context.Context, p sessions.Principal, method, password string, f account.StepUp, revokeOthers bool) error {
	if err := s.stepUp(ctx, p.User, password, f); err != nil {
		return err
	}
	now := s.Now().UTC()
	u, err := s.update(ctx, p.User, func(u account.User) (Change, error) {
		if !hasMethod(u, method) {
			return Change{}, account.Errorf(account.CodeNotFound, "This second factor is not turned on.")
		}
		nu := withMethod(u, method, false, now)
		return Change{
			User: nu, ExpectVersion: u.Version,
			DeleteTOTP: method == MethodTOTP,
			// Removing the last factor turns 2FA off and the backup codes with it.
			DeleteBackupCodes: !nu.TwoFactor.Enabled,
		}, nil
	})
	if err != nil {
		return err
	}
	return s.afterChange(ctx, p, u, noticeDisabled, method, revokeOthers)
}

// EnableSMS turns SMS codes on for the user's verified phone; 409 conflict
// without one, 400 naming "phone" (ErrPhoneNotServed) when codes are not
// texted to it (phone.CheckSMS). It sends no code itself. Turning it on again changes nothing and tells no one.
func (s *Service) EnableSMS(ctx context.Context, p sessions.Principal, password string, revokeOthers bool) error {
	if err := s.Reauth.Check(ctx, p.User, password, "password"); err != nil {
		return err
	}
	now := s.Now().UTC()
	changed := false
	u, err := s.update(ctx, p.User, func(u account.User) (Change, error) {
		if u.Phone == "" || !u.PhoneVerified {
			return Change{}, account.Errorf(account.CodeConflict, "Add and verify a phone number first (POST /v1/me/phone-change).")
		}
		if err := phone.CheckSMS(phone.Stored(u), s.SMS.Countries); err != nil {
			// A number verified before the SMS guard may be one no code
			// is texted to any more (or one whose type was not stored with
			// it: verify it again): SMS would be a factor that never works.
			return Change{}, smsRefused(err)
		}
		if hasMethod(u, MethodSMS) {
			return Change{}, errUnchanged
		}
		changed = true
		return Change{User: withMethod(u, MethodSMS, true, now), ExpectVersion: u.Version}, nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return err
	}
	if !changed {
		return nil
	}
	return s.afterChange(ctx, p, u, noticeEnabled, MethodSMS, revokeOthers)
}

// RegenerateBackupCodes replaces every backup code with 10 new ones and
// returns them; 409 conflict while 2FA is off. It needs the password and a
// current second factor f (stepup.go): an SMS- or passkey-only user steps
// up with an SMS step-up code or a passkey assertion.
func (s *Service) RegenerateBackupCodes(ctx context.Context, p sessions.Principal, password string, f account.StepUp, revokeOthers bool) ([]string, error) {
	if err := s.stepUp(ctx, p.User, password, f); err != nil {
		return nil, err
	}
	codes, err := newBackupCodes()
	if err != nil {
		return nil, account.Internal(err)
	}
	hashed, err := s.hashBackupCodes(codes)
	if err != nil {
		return nil, account.Internal(err)
	}
	now := s.Now().UTC()
	u, err := s.update(ctx, p.User, func(u account.User) (Change, error) {
		if !u.TwoFactor.Enabled {
			return Change{}, account.Errorf(account.CodeConflict, "Turn on a second factor first; backup codes come with it.")
		}
		nu := u
		nu.Version++
		nu.UpdatedAt = now
		// The version-conditioned write of the user record orders this
		// replacement against any concurrent factor change.
		return Change{User: nu, ExpectVersion: u.Version, ReplaceBackupCodes: hashed}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.afterChange(ctx, p, u, noticeRegenerated, MethodBackupCode, revokeOthers); err != nil {
		return nil, err
	}
	return codes, nil
}

var errUnchanged = errors.New("unchanged")

// update applies a factor change to the user record, re-reading and
// retrying when another write changed the record in between (each attempt
// is a version-conditioned transaction, so nothing is lost).
func (s *Service) update(ctx context.Context, u account.User, f func(account.User) (Change, error)) (account.User, error) {
	for attempt := 0; ; attempt++ {
		c, err := f(u)
		if err != nil {
			var api *account.Error
			if errors.As(err, &api) || errors.Is(err, errUnchanged) {
				return u, err
			}
			return u, account.Internal(err)
		}
		err = s.Store.ApplyChange(ctx, c)
		if err == nil {
			return c.User, nil
		}
		if errors.Is(err, ErrPasskeyTaken) {
			return u, &account.Error{Code: account.CodeConflict, Detail: "This passkey is registered already.", Cause: err}
		}
		if !errors.Is(err, account.ErrConflict) || attempt >= 3 {
			if errors.Is(err, account.ErrConflict) {
				return u, account.Errorf(account.CodeConflict, "Your account changed at the same time; try again.")
			}
			return u, account.Internal(err)
		}
		if u, err = s.Users.GetUser(ctx, u.ID); err != nil {
			return u, account.Internal(err)
		}
	}
}

// afterChange sends the notice, records the change in the audit log and,
// when asked, ends the caller's other sessions. The change is stored
// already; an error here is only the revocation's.
func (s *Service) afterChange(ctx context.Context, p sessions.Principal, u account.User, t notify.Template, factor string, revokeOthers bool) error {
	s.Log.InfoContext(ctx, "2fa changed", "userId", u.ID, "event", t.Name, "factor", factor)
	s.notice(ctx, u, t, factor)
	action := audit.ActionTwoFactorEnabled
	if t.Name == noticeEnabled.Name {
		metrics.Inc(ctx, s.Metrics, metrics.TwoFactorEnabled, map[string]string{"method": factor})
	}
	switch t.Name {
	case noticeDisabled.Name:
		action = audit.ActionTwoFactorDisabled
	case noticeRegenerated.Name:
		action = audit.ActionBackupCodesRegenerated
	}
	s.recordOwn(ctx, u, action, map[string]string{"factor": factor, "twoFactorEnabled": fmt.Sprint(u.TwoFactor.Enabled)})
	if revokeOthers {
		if _, err := s.Sessions.Store.DeleteSessions(ctx, u.ID, p.Session.ID); err != nil {
			return account.Internal(fmt.Errorf("revoke other sessions: %w", err))
		}
	}
	return nil
}

// recordOwn appends the audit entry of a change users made to their own
// account, as audit.RecordOwn does from an *http.Request: in their current
// organization, with the request id and client IP the request context
// carries. The change is stored already, so a failure is logged, not
// returned. A nil sink records nothing.
func (s *Service) recordOwn(ctx context.Context, u account.User, action string, details map[string]string) {
	if s.Audit == nil {
		return
	}
	orgID, _, _ := u.CurrentOrg("")
	e := audit.Entry{
		Actor: u.ID, Subject: u.ID, OrgID: orgID, Action: action,
		RequestID: request.ID(ctx), IP: request.Client(ctx).IP,
		Details: details,
	}
	if err := s.Audit.Record(ctx, e); err != nil && s.Log != nil {
		s.Log.ErrorContext(ctx, "audit "+action, "userId", u.ID, "error", err.Error())
	}
}
