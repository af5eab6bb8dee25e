package twofactor

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"net/http"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/metrics"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/ratelimit"
	"github.com/example/myprofile/shared/sessions"
)

// Routes are the twofactor function's routes (enrolment for the signed-in
// user).
func (s *Service) Routes() httpapi.Routes {
	req := func(f httpapi.HandlerFunc) http.Handler { return s.Sessions.Require(httpapi.Handle(f)) }
	return httpapi.Routes{
		"GET /v1/me/2fa":               req(s.status),
		"POST /v1/me/2fa/totp":         req(s.startTOTP),
		"POST /v1/me/2fa/totp/confirm": req(s.confirmTOTP),
		"DELETE /v1/me/2fa/totp":       req(s.disableTOTP),
		"POST /v1/me/2fa/sms":          req(s.enableSMS),
		"DELETE /v1/me/2fa/sms":        req(s.disableSMS),
		"POST /v1/me/2fa/backup-codes": req(s.regenerate),

		"POST /v1/me/2fa/webauthn/register/begin":  req(s.registerBegin),
		"POST /v1/me/2fa/webauthn/register/finish": req(s.registerFinish),
		"DELETE /v1/me/2fa/webauthn/{id}":          req(s.deletePasskey),
	}
}

type statusJSON struct {
	Enabled bool `json:"enabled"`
	TOTP    struct {
		Enabled bool `json:"enabled"`
	} `json:"totp"`
	SMS struct {
		Enabled    bool   `json:"enabled"`
		PhoneLast4 string `json:"phoneLast4"`
	} `json:"sms"`
	WebAuthn    []PasskeyJSON `json:"webauthn"`
	BackupCodes struct {
		Remaining int `json:"remaining"`
	} `json:"backupCodes"`
}

func (s *Service) status(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	u := p.User
	n, err := s.Store.CountBackupCodes(r.Context(), u.ID)
	if err != nil {
		return account.Internal(err)
	}
	var out statusJSON
	out.Enabled = u.TwoFactor.Enabled
	out.TOTP.Enabled = hasMethod(u, MethodTOTP)
	out.SMS.Enabled = hasMethod(u, MethodSMS)
	if len(u.Phone) >= 4 {
		out.SMS.PhoneLast4 = u.Phone[len(u.Phone)-4:]
	}
	keys, err := s.Store.ListPasskeys(r.Context(), u.ID)
	if err != nil {
		return account.Internal(err)
	}
	out.WebAuthn = []PasskeyJSON{}
	for _, k := range keys {
		out.WebAuthn = append(out.WebAuthn, passkeyJSON(k))
	}
	out.BackupCodes.Remaining = n
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

type passwordRequest struct {
	Password            string `json:"password"`
	RevokeOtherSessions bool   `json:"revokeOtherSessions"`
}

// reauth reads a {password, revokeOtherSessions} body and re-checks the
// caller's current password, as every factor change must.
func (s *Service) reauth(r *http.Request) (sessions.Principal, passwordRequest, error) {
	p, _ := sessions.FromContext(r.Context())
	var req passwordRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return p, req, err
	}
	return p, req, s.Reauth.Check(r.Context(), p.User, req.Password, "password")
}

func (s *Service) startTOTP(w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.reauth(r)
	if err != nil {
		return err
	}
	if hasMethod(p.User, MethodTOTP) {
		return account.Errorf(account.CodeConflict, "An authenticator app is already set up; remove it first to set up another.")
	}
	key, err := NewTOTPKey(s.Issuer, p.User.Email)
	if err != nil {
		return account.Internal(err)
	}
	sealed, err := s.Sealer.Seal(r.Context(), p.User.ID, key.Secret())
	if err != nil {
		return account.Internal(err)
	}
	if err := s.Store.PutPendingTOTP(r.Context(), p.User.ID, PendingTOTP{SecretEnc: sealed, ExpiresAt: s.Now().UTC().Add(PendingTOTPTTL)}); err != nil {
		return account.Internal(err)
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return account.Internal(fmt.Errorf("qr code: %w", err))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return account.Internal(fmt.Errorf("qr png: %w", err))
	}
	httpapi.WriteJSON(w, http.StatusCreated, map[string]any{
		"secret":     key.Secret(),
		"otpauthUri": key.URL(),
		"qrPng":      base64.StdEncoding.EncodeToString(buf.Bytes()),
	})
	return nil
}

type confirmRequest struct {
	Code                string `json:"code"`
	RevokeOtherSessions bool   `json:"revokeOtherSessions"`
}

func (s *Service) confirmTOTP(w http.ResponseWriter, r *http.Request) (err error) {
	ctx := r.Context()
	p, _ := sessions.FromContext(ctx)
	var req confirmRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	if req.Code == "" || len(req.Code) > 16 {
		return account.Invalid("code", "must be the 6-digit code your app shows")
	}
	if hasMethod(p.User, MethodTOTP) {
		return account.Errorf(account.CodeConflict, "The authenticator app is already set up.")
	}
	key := "mfa-confirm#" + p.User.ID
	// Counted before the check (atomically); given back unless the code
	// is wrong, so only wrong codes accumulate.
	if err := tooMany(s.Failures.Take(ctx, key)); err != nil {
		return err
	}
	defer func() {
		var api *account.Error
		if errors.As(err, &api) && api.Code == account.CodeCodeInvalid {
			return
		}
		if rerr := s.Failures.Release(ctx, key); rerr != nil {
			s.Log.ErrorContext(ctx, "release totp confirmation attempt", "error", rerr.Error())
		}
	}()
	pend, err := s.Store.GetPendingTOTP(ctx, p.User.ID)
	now := s.Now().UTC()
	if errors.Is(err, account.ErrNotFound) || err == nil && !now.Before(pend.ExpiresAt) {
		return account.Errorf(account.CodeCodeExpired, "There is no authenticator set-up in progress, or it expired; start again.")
	}
	if err != nil {
		return account.Internal(err)
	}
	secret, err := s.Sealer.Open(r.Context(), p.User.ID, pend.SecretEnc)
	if err != nil {
		return account.Internal(err)
	}
	step, ok, _, err := Standard.Match(secret, req.Code, now, -1)
	if err != nil {
		return account.Internal(err)
	}
	if !ok {
		return account.Errorf(account.CodeCodeInvalid, "The code is not correct; check your app's clock and try the current code.")
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
		// Backup codes come with the first factor (or whenever none are left).
		n, err := s.Store.CountBackupCodes(ctx, u.ID)
		if err != nil {
			return Change{}, err
		}
		if !u.TwoFactor.Enabled || n == 0 {
			if codes == nil {
				if codes, err = newBackupCodes(); err != nil {
					return Change{}, err
				}
			}
			if c.ReplaceBackupCodes, err = s.hashBackupCodes(codes); err != nil {
				return Change{}, err
			}
		} else {
			codes = nil
		}
		return c, nil
	})
	if err != nil {
		return err
	}
	if err := s.afterChange(r, u, noticeEnabled, MethodTOTP, req.RevokeOtherSessions); err != nil {
		return err
	}
	body := map[string]any{}
	if codes != nil {
		body["backupCodes"] = codes
	}
	httpapi.WriteJSON(w, http.StatusOK, body)
	return nil
}

func (s *Service) disableTOTP(w http.ResponseWriter, r *http.Request) error {
	return s.disable(w, r, MethodTOTP)
}

func (s *Service) disableSMS(w http.ResponseWriter, r *http.Request) error {
	return s.disable(w, r, MethodSMS)
}

func (s *Service) disable(w http.ResponseWriter, r *http.Request, method string) error {
	ctx := r.Context()
	p, req, err := s.reauth(r)
	if err != nil {
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
	if err := s.afterChange(r, u, noticeDisabled, method, req.RevokeOtherSessions); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) enableSMS(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, req, err := s.reauth(r)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	changed := false
	u, err := s.update(ctx, p.User, func(u account.User) (Change, error) {
		if u.Phone == "" || !u.PhoneVerified {
			return Change{}, account.Errorf(account.CodeConflict, "Add and verify a phone number first (POST /v1/me/phone-change).")
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
	if changed {
		if err := s.afterChange(r, u, noticeEnabled, MethodSMS, req.RevokeOtherSessions); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) regenerate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, req, err := s.reauth(r)
	if err != nil {
		return err
	}
	codes, err := newBackupCodes()
	if err != nil {
		return account.Internal(err)
	}
	hashed, err := s.hashBackupCodes(codes)
	if err != nil {
		return account.Internal(err)
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
		return err
	}
	if err := s.afterChange(r, u, noticeRegenerated, MethodBackupCode, req.RevokeOtherSessions); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"backupCodes": codes})
	return nil
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

// afterChange sends the notice and, when asked, ends the other sessions.
// The change is stored already; an error here is only the revocation's.
func (s *Service) afterChange(r *http.Request, u account.User, t notify.Template, factor string, revokeOthers bool) error {
	ctx := r.Context()
	p, _ := sessions.FromContext(ctx)
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
	audit.RecordOwn(r, s.Audit, s.Log, u, action, map[string]string{"factor": factor, "twoFactorEnabled": fmt.Sprint(u.TwoFactor.Enabled)})
	if revokeOthers {
		if _, err := s.Sessions.Store.DeleteSessions(ctx, u.ID, p.Session.ID); err != nil {
			return account.Internal(fmt.Errorf("revoke other sessions: %w", err))
		}
	}
	return nil
}

// tooMany turns a limiter result into 429 too_many_attempts (or a 500).
func tooMany(err error) error {
	if err == nil {
		return nil
	}
	var l *ratelimit.Limited
	if errors.As(err, &l) {
		return &account.Error{Code: account.CodeTooManyAttempts, Detail: "Too many wrong codes; try again later.", RetryAfter: l.RetryAfter}
	}
	return account.Internal(err)
}
