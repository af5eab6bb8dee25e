package twofactor

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/sessions"
)

// Routes are the twofactor function's routes (enrolment for the signed-in
// user). Each handler decodes, calls the Service and encodes.
func (s *Service) Routes() httpapi.Routes {
	req := func(f httpapi.HandlerFunc) http.Handler { return s.Sessions.Require(httpapi.Handle(f)) }
	return httpapi.Routes{
		"GET /v1/me/2fa":               req(s.handleStatus),
		"POST /v1/me/2fa/totp":         req(s.handleStartTOTP),
		"POST /v1/me/2fa/totp/confirm": req(s.handleConfirmTOTP),
		"DELETE /v1/me/2fa/totp":       req(s.handleDisableTOTP),
		"POST /v1/me/2fa/sms":          req(s.handleEnableSMS),
		"DELETE /v1/me/2fa/sms":        req(s.handleDisableSMS),
		"POST /v1/me/2fa/backup-codes": req(s.handleRegenerate),

		"POST /v1/me/2fa/webauthn/register/begin":  req(s.handleRegisterBegin),
		"POST /v1/me/2fa/webauthn/register/finish": req(s.handleRegisterFinish),
		"DELETE /v1/me/2fa/webauthn/{id}":          req(s.handleDeletePasskey),

		"POST /v1/me/2fa/step-up/webauthn/begin": req(s.handleStepUpBegin),
		"POST /v1/me/2fa/step-up/sms":            req(s.handleStepUpSMS),
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

// PasskeyJSON is the API shape of a passkey.
type PasskeyJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	// Discoverable: the passkey also signs in without a password.
	Discoverable bool `json:"discoverable"`
}

func passkeyJSON(k Passkey) PasskeyJSON {
	return PasskeyJSON{ID: k.ID, Name: k.Name, CreatedAt: k.CreatedAt.UTC(), LastUsedAt: k.LastUsedAt, Discoverable: k.Discoverable}
}

func (s *Service) handleStatus(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	st, err := s.Status(r.Context(), p.User)
	if err != nil {
		return err
	}
	var out statusJSON
	out.Enabled = st.Enabled
	out.TOTP.Enabled = st.TOTP
	out.SMS.Enabled = st.SMS
	out.SMS.PhoneLast4 = st.PhoneLast4
	out.WebAuthn = []PasskeyJSON{}
	for _, k := range st.Passkeys {
		out.WebAuthn = append(out.WebAuthn, passkeyJSON(k))
	}
	out.BackupCodes.Remaining = st.BackupCodesRemaining
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// passwordRequest is the body of every factor change: the current
// password, re-checked, whether to end the other sessions and, for the
// changes that need a step-up with 2FA on, a current second factor: a
// code or a passkey assertion.
type passwordRequest struct {
	Password            string                   `json:"password"`
	Code                string                   `json:"code"`
	Assertion           *account.StepUpAssertion `json:"assertion"`
	RevokeOtherSessions bool                     `json:"revokeOtherSessions"`
}

// stepUp is the second factor the request carries.
func (r passwordRequest) stepUp() account.StepUp {
	return account.StepUp{Code: r.Code, Assertion: r.Assertion}
}

// decodePassword reads a passwordRequest for the signed-in caller.
func decodePassword(r *http.Request) (sessions.Principal, passwordRequest, error) {
	p, _ := sessions.FromContext(r.Context())
	var req passwordRequest
	err := httpapi.Decode(r, &req)
	return p, req, err
}

func (s *Service) handleStartTOTP(w http.ResponseWriter, r *http.Request) error {
	p, req, err := decodePassword(r)
	if err != nil {
		return err
	}
	k, err := s.StartTOTP(r.Context(), p.User, req.Password)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, map[string]any{
		"secret":     k.Secret,
		"otpauthUri": k.OtpauthURI,
		"qrPng":      base64.StdEncoding.EncodeToString(k.QRPNG),
	})
	return nil
}

type confirmRequest struct {
	Code                string `json:"code"`
	RevokeOtherSessions bool   `json:"revokeOtherSessions"`
}

func (s *Service) handleConfirmTOTP(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	var req confirmRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	codes, err := s.ConfirmTOTP(r.Context(), p, req.Code, req.RevokeOtherSessions)
	if err != nil {
		return err
	}
	body := map[string]any{}
	if codes != nil {
		body["backupCodes"] = codes
	}
	httpapi.WriteJSON(w, http.StatusOK, body)
	return nil
}

func (s *Service) handleDisableTOTP(w http.ResponseWriter, r *http.Request) error {
	return s.noContent(w, r, func(ctx context.Context, p sessions.Principal, req passwordRequest) error {
		return s.DisableTOTP(ctx, p, req.Password, req.stepUp(), req.RevokeOtherSessions)
	})
}

func (s *Service) handleDisableSMS(w http.ResponseWriter, r *http.Request) error {
	return s.noContent(w, r, func(ctx context.Context, p sessions.Principal, req passwordRequest) error {
		return s.DisableSMS(ctx, p, req.Password, req.stepUp(), req.RevokeOtherSessions)
	})
}

func (s *Service) handleEnableSMS(w http.ResponseWriter, r *http.Request) error {
	return s.noContent(w, r, func(ctx context.Context, p sessions.Principal, req passwordRequest) error {
		return s.EnableSMS(ctx, p, req.Password, req.RevokeOtherSessions)
	})
}

// noContent serves a factor change that answers 204.
func (s *Service) noContent(w http.ResponseWriter, r *http.Request, change func(ctx context.Context, p sessions.Principal, req passwordRequest) error) error {
	p, req, err := decodePassword(r)
	if err != nil {
		return err
	}
	if err := change(r.Context(), p, req); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) handleRegenerate(w http.ResponseWriter, r *http.Request) error {
	p, req, err := decodePassword(r)
	if err != nil {
		return err
	}
	codes, err := s.RegenerateBackupCodes(r.Context(), p, req.Password, req.stepUp(), req.RevokeOtherSessions)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"backupCodes": codes})
	return nil
}

func (s *Service) handleRegisterBegin(w http.ResponseWriter, r *http.Request) error {
	p, req, err := decodePassword(r)
	if err != nil {
		return err
	}
	creation, err := s.BeginPasskeyRegistration(r.Context(), p.User, req.Password)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, creation)
	return nil
}

type registerFinishRequest struct {
	Name                string          `json:"name"`
	Credential          json.RawMessage `json:"credential"`
	RevokeOtherSessions bool            `json:"revokeOtherSessions"`
}

func (s *Service) handleRegisterFinish(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	var req registerFinishRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	key, codes, err := s.FinishPasskeyRegistration(r.Context(), p, req.Name, req.Credential, req.RevokeOtherSessions)
	if err != nil {
		return err
	}
	body := map[string]any{"id": key.ID, "name": key.Name, "createdAt": key.CreatedAt, "lastUsedAt": nil}
	if codes != nil {
		body["backupCodes"] = codes
	}
	httpapi.WriteJSON(w, http.StatusCreated, body)
	return nil
}

func (s *Service) handleDeletePasskey(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	return s.noContent(w, r, func(ctx context.Context, p sessions.Principal, req passwordRequest) error {
		return s.DeletePasskey(ctx, p, id, req.Password, req.stepUp(), req.RevokeOtherSessions)
	})
}

func (s *Service) handleStepUpBegin(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	c, err := s.BeginStepUpPasskey(r.Context(), p.User)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Service) handleStepUpSMS(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	exp, err := s.SendStepUpSMS(r.Context(), p.User, request.Client(r.Context()))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]any{"expiresAt": exp})
	return nil
}
