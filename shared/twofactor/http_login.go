package twofactor

import (
	"encoding/json"
	"net/http"

	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/request"
)

// IssueFunc issues the session of a completed sign-in and answers 200
// {session} (auth.Service.IssueSession).
type IssueFunc func(w http.ResponseWriter, r *http.Request, userID string) error

// LoginRoutes are the auth function's routes of the second step. Each
// handler decodes, calls the Service and encodes; issue answers a
// completed sign-in.
func (s *Service) LoginRoutes(issue IssueFunc) httpapi.Routes {
	return httpapi.Routes{
		"POST /v1/auth/login/mfa": httpapi.Handle(func(w http.ResponseWriter, r *http.Request) error {
			return s.handleVerify(w, r, issue)
		}),
		"POST /v1/auth/login/mfa/sms":        httpapi.Handle(s.handleSendSMS),
		"POST /v1/auth/login/webauthn/begin": httpapi.Handle(s.handleLoginWebAuthnBegin),
		"POST /v1/auth/login/webauthn/finish": httpapi.Handle(func(w http.ResponseWriter, r *http.Request) error {
			return s.handleLoginWebAuthnFinish(w, r, issue)
		}),
		"POST /v1/auth/passkey/begin": httpapi.Handle(s.handlePasskeyBegin),
		"POST /v1/auth/passkey/finish": httpapi.Handle(func(w http.ResponseWriter, r *http.Request) error {
			return s.handlePasskeyFinish(w, r, issue)
		}),
	}
}

func (s *Service) handlePasskeyBegin(w http.ResponseWriter, r *http.Request) error {
	out, err := s.BeginPasskeySignIn(r.Context())
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Service) handlePasskeyFinish(w http.ResponseWriter, r *http.Request, issue IssueFunc) error {
	var req webauthnFinishRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	uid, err := s.FinishPasskeySignIn(r.Context(), req.ChallengeID, req.Credential)
	if err != nil {
		return err
	}
	return issue(w, r, uid)
}

type verifyRequest struct {
	ChallengeID string `json:"challengeId"`
	Method      string `json:"method"`
	Code        string `json:"code"`
}

func (s *Service) handleVerify(w http.ResponseWriter, r *http.Request, issue IssueFunc) error {
	var req verifyRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	uid, err := s.VerifyCode(r.Context(), request.Client(r.Context()), req.ChallengeID, req.Method, req.Code)
	if err != nil {
		return err
	}
	return issue(w, r, uid)
}

// challengeRequest names the challenge of a step that does not answer it.
type challengeRequest struct {
	ChallengeID string `json:"challengeId"`
}

func (s *Service) handleSendSMS(w http.ResponseWriter, r *http.Request) error {
	var req challengeRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	exp, err := s.SendSMSCode(r.Context(), request.Client(r.Context()), req.ChallengeID)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]any{"expiresAt": exp})
	return nil
}

func (s *Service) handleLoginWebAuthnBegin(w http.ResponseWriter, r *http.Request) error {
	var req challengeRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	assertion, err := s.BeginPasskeyLogin(r.Context(), request.Client(r.Context()), req.ChallengeID)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, assertion)
	return nil
}

type webauthnFinishRequest struct {
	ChallengeID string          `json:"challengeId"`
	Credential  json.RawMessage `json:"credential"`
}

func (s *Service) handleLoginWebAuthnFinish(w http.ResponseWriter, r *http.Request, issue IssueFunc) error {
	var req webauthnFinishRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	uid, err := s.FinishPasskeyLogin(r.Context(), request.Client(r.Context()), req.ChallengeID, req.Credential)
	if err != nil {
		return err
	}
	return issue(w, r, uid)
}
