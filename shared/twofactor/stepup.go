package twofactor

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/phone"
	"github.com/example/myprofile/shared/request"
)

// Step-up: with 2FA on, the most sensitive changes (removing a factor,
// which turns 2FA off with the last one; regenerating backup codes;
// deleting the account) need the password AND a current second factor,
// the re-authentication with all factors ASVS asks for: a session and a
// password alone (a stolen laptop, a phished password) cannot take the
// second factor away. There is no exception: every user with 2FA on has a
// factor to step up with.
//
// The factor (account.StepUp) is one of:
//   - `code`: a code of the authenticator app (single use, as at sign-in),
//     an unused backup code (consumed), or an SMS step-up code texted by
//     SendStepUpSMS (single use, StepUpTTL);
//   - `assertion`: a passkey's answer to a step-up ceremony begun with
//     BeginStepUpPasskey (the user's passkeys allowed, user verification
//     required, single use, StepUpTTL, stored under the user so another
//     account's ceremony is unknown here; the sign counter must move
//     forward, as at sign-in).
//
// Wrong factors count against the user's second-factor limit and lock like
// sign-in's (lockout.go).

// StepUpTTL is how long a step-up ceremony or SMS step-up code waits.
const StepUpTTL = 5 * time.Minute

// Step-up item ids under the user (Store.PutStepUp).
const (
	stepUpSMS             = "SMS"
	stepUpWebAuthnPrefix  = "WEBAUTHN#"
	stepUpChallengeIDSize = 16 // bytes, hex in the API
)

// smsStepUp is the SMS with a step-up code (its text body is sent).
var smsStepUp = texts.Template("2fa-stepup-sms")

// errStepUp refuses a step-up: 401 mfa_invalid (ErrRefused).
func errStepUp() error {
	return refusal(ErrRefused, account.Errorf(account.CodeMFAInvalid,
		"With two-factor sign-in on, this change needs a current second factor: send code (an authenticator app, backup or SMS step-up code) or assertion (a passkey)."))
}

// CheckStepUp checks the current second factor f of u for a sensitive
// change, once the password was checked: nil when 2FA is off. A missing,
// wrong or replayed factor is ErrRefused (401 mfa_invalid); over the
// second-factor limit or while locked, ErrTooManyAttempts (429).
func (s *Service) CheckStepUp(ctx context.Context, u account.User, f account.StepUp) (err error) {
	if !u.TwoFactor.Enabled {
		return nil
	}
	if f.Assertion == nil && (f.Code == "" || len(f.Code) > 32) {
		return errStepUp()
	}
	struck, err := s.takeAttempt(ctx, u.ID)
	if err != nil {
		return err
	}
	defer func() { s.settleAttempt(ctx, u.ID, struck, err) }()
	now := s.Now().UTC()
	switch {
	case f.Assertion != nil:
		err = s.checkStepUpAssertion(ctx, u, *f.Assertion, now)
	case isTOTPCode(f.Code):
		err = s.checkStepUpDigits(ctx, u, f.Code, now)
	default:
		var bc *BackupCode
		if bc, err = s.checkBackupCode(ctx, u, f.Code); err == nil {
			err = s.consumeBackupCode(ctx, u, *bc)
		}
	}
	if errors.Is(err, ErrRefused) {
		return errStepUp()
	}
	return err
}

// checkStepUpDigits checks a 6-digit code: the SMS step-up code when one
// is live and matches (taken by a delete conditioned on its HMAC, so it
// works once), else a code of the authenticator app.
func (s *Service) checkStepUpDigits(ctx context.Context, u account.User, code string, now time.Time) error {
	if hasMethod(u, MethodSMS) {
		h, err := s.stepUpSMSHash(ctx, u.ID, code)
		if err != nil {
			return account.Internal(err)
		}
		_, err = s.Store.TakeStepUp(ctx, u.ID, stepUpSMS, now, h)
		if err == nil {
			return nil
		}
		if !errors.Is(err, account.ErrNotFound) {
			return account.Internal(err)
		}
	}
	if !hasMethod(u, MethodTOTP) {
		return s.refuse(ctx, u.ID, "wrong or no sms step-up code")
	}
	t, terr := s.Store.GetTOTP(ctx, u.ID)
	return s.checkTOTP(ctx, u, t, terr, code, now)
}

// checkStepUpAssertion verifies a passkey's answer to the user's step-up
// ceremony a.ChallengeID, taken (single use) first, and moves the
// passkey's sign counter forward.
func (s *Service) checkStepUpAssertion(ctx context.Context, u account.User, a account.StepUpAssertion, now time.Time) error {
	if b, err := hex.DecodeString(a.ChallengeID); err != nil || len(b) != stepUpChallengeIDSize || len(a.Credential) == 0 {
		return s.refuse(ctx, u.ID, "malformed step-up assertion")
	}
	if !hasMethod(u, MethodWebAuthn) {
		return s.refuse(ctx, u.ID, "webauthn not enabled")
	}
	// Under the user's partition: a ceremony begun by another account is
	// not found here, and a used one is gone.
	data, err := s.Store.TakeStepUp(ctx, u.ID, stepUpWebAuthnPrefix+a.ChallengeID, now, "")
	if errors.Is(err, account.ErrNotFound) {
		return s.refuse(ctx, u.ID, "no such step-up ceremony, used or expired")
	}
	if err != nil {
		return account.Internal(err)
	}
	var sess webauthn.SessionData
	if err := json.Unmarshal([]byte(data), &sess); err != nil {
		return account.Internal(err)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(a.Credential)
	if err != nil {
		return s.refuse(ctx, u.ID, "unparsable step-up assertion")
	}
	wu, keys, err := s.waUser(ctx, u)
	if err != nil {
		return account.Internal(err)
	}
	// ValidateLogin checks the challenge, origin, RP id, the user's
	// ownership of the credential, the signature and user verification
	// (required by the session data).
	cred, err := s.WebAuthn.ValidateLogin(wu, sess, parsed)
	if err != nil {
		return s.refuse(ctx, u.ID, "step-up assertion did not verify: "+err.Error())
	}
	if cred.Authenticator.CloneWarning {
		return s.refuse(ctx, u.ID, "sign counter did not advance")
	}
	id := base64.RawURLEncoding.EncodeToString(cred.ID)
	i := slices.IndexFunc(keys, func(k Passkey) bool { return k.ID == id })
	if i < 0 {
		return s.refuse(ctx, u.ID, "passkey gone")
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return account.Internal(err)
	}
	k := keys[i]
	k.Credential, k.SignCount = string(raw), cred.Authenticator.SignCount
	err = s.Store.UsePasskey(ctx, u.ID, k, now)
	if errors.Is(err, ErrReplay) || errors.Is(err, account.ErrNotFound) {
		return s.refuse(ctx, u.ID, "sign counter did not advance (concurrent use)")
	}
	if err != nil {
		return account.Internal(err)
	}
	return nil
}

// StepUpCeremony is the start of a passkey step-up: the ceremony's id, to
// send back with the assertion, and the request options for
// navigator.credentials.get().
type StepUpCeremony struct {
	ChallengeID string                                     `json:"challengeId"`
	PublicKey   protocol.PublicKeyCredentialRequestOptions `json:"publicKey"`
}

// BeginStepUpPasskey starts a passkey step-up for u: the user's passkeys
// allowed, user verification required. The ceremony is stored under the
// user for StepUpTTL and answers one sensitive change. 409 conflict when
// the user has no passkey.
func (s *Service) BeginStepUpPasskey(ctx context.Context, u account.User) (StepUpCeremony, error) {
	wu, _, err := s.waUser(ctx, u)
	if err != nil {
		return StepUpCeremony{}, account.Internal(err)
	}
	if len(wu.creds) == 0 || !hasMethod(u, MethodWebAuthn) {
		return StepUpCeremony{}, account.Errorf(account.CodeConflict, "You have no passkey to confirm this change with.")
	}
	assertion, sess, err := s.WebAuthn.BeginLogin(wu, webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return StepUpCeremony{}, account.Internal(fmt.Errorf("webauthn begin step-up: %w", err))
	}
	data, err := json.Marshal(sess)
	if err != nil {
		return StepUpCeremony{}, account.Internal(err)
	}
	id, err := randomHex(stepUpChallengeIDSize)
	if err != nil {
		return StepUpCeremony{}, account.Internal(err)
	}
	if err := s.Store.PutStepUp(ctx, u.ID, stepUpWebAuthnPrefix+id, string(data), s.Now().UTC().Add(StepUpTTL)); err != nil {
		return StepUpCeremony{}, account.Internal(err)
	}
	return StepUpCeremony{ChallengeID: id, PublicKey: assertion.Response}, nil
}

// SendStepUpSMS texts u a step-up code, to send as `code` with one
// sensitive change within StepUpTTL; a new code replaces the last. It
// returns when the code expires. 409 conflict when SMS codes are not on
// for a verified phone; the SMS guard's limits (per network, account,
// number, the daily budget) and the second-factor lock apply as at
// sign-in: ErrTooManyAttempts (429), ErrPhoneNotServed (400 "phone").
func (s *Service) SendStepUpSMS(ctx context.Context, u account.User, src request.Source) (time.Time, error) {
	if !hasMethod(u, MethodSMS) || u.Phone == "" || !u.PhoneVerified {
		return time.Time{}, account.Errorf(account.CodeConflict, "Text message codes are not turned on for a verified phone.")
	}
	now := s.Now().UTC()
	if err := s.checkLock(ctx, u.ID, now); err != nil {
		return time.Time{}, err
	}
	release, err := s.SMS.Take(ctx, u.ID, src.IP, phone.Stored(u))
	if err != nil {
		return time.Time{}, smsRefused(err)
	}
	sent := false
	defer func() {
		if !sent {
			release(context.WithoutCancel(ctx))
		}
	}()
	code, err := randomDigits(6)
	if err != nil {
		return time.Time{}, account.Internal(err)
	}
	h, err := s.stepUpSMSHash(ctx, u.ID, code)
	if err != nil {
		return time.Time{}, account.Internal(err)
	}
	exp := now.Add(StepUpTTL)
	if err := s.Store.PutStepUp(ctx, u.ID, stepUpSMS, h, exp); err != nil {
		return time.Time{}, account.Internal(err)
	}
	d := s.data(u, MethodSMS)
	d.Code = code
	d.Minutes = int(StepUpTTL.Minutes())
	if err := s.textCode(ctx, u, smsStepUp, d, "step-up sms sent"); err != nil {
		return time.Time{}, err
	}
	sent = true
	return exp, nil
}

// stepUpSMSHash is HMAC-SHA256 under the data key over the user and the
// code (a domain apart from sign-in codes): the code is never stored.
func (s *Service) stepUpSMSHash(ctx context.Context, uid, code string) (string, error) {
	return s.Sealer.MAC(ctx, "sms-step-up\x00"+uid+"\x00"+code)
}

// stepUp checks the password, then the second factor (CheckStepUp).
func (s *Service) stepUp(ctx context.Context, u account.User, password string, f account.StepUp) error {
	if err := s.Reauth.Check(ctx, u, password, "password"); err != nil {
		return err
	}
	return s.CheckStepUp(ctx, u, f)
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
