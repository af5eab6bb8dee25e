package verification

import (
	"maps"
	"net/http"
	"time"

	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/profile/basic"
	"github.com/example/myprofile/shared/sessions"
)

// Routes are the email and the phone change routes together.
func (s *Service) Routes() httpapi.Routes {
	rs := s.EmailRoutes()
	maps.Copy(rs, s.PhoneRoutes())
	return rs
}

// EmailRoutes are the verification function's routes: the email change.
func (s *Service) EmailRoutes() httpapi.Routes {
	auth := s.Sessions.Require
	return httpapi.Routes{
		"POST /v1/me/email-change":         auth(httpapi.Handle(s.requestEmail)),
		"POST /v1/me/email-change/confirm": auth(httpapi.Handle(s.confirmEmail)),
		"DELETE /v1/me/email-change":       auth(httpapi.Handle(s.cancelEmail)),
	}
}

// PhoneRoutes are the phone function's routes: the phone change, whose
// parser (Service.Phones) the email change does not pay for at start-up.
func (s *Service) PhoneRoutes() httpapi.Routes {
	auth := s.Sessions.Require
	return httpapi.Routes{
		"POST /v1/me/phone-change":         auth(httpapi.Handle(s.requestPhone)),
		"POST /v1/me/phone-change/confirm": auth(httpapi.Handle(s.confirmPhone)),
	}
}

type emailChangeRequest struct {
	NewEmail string `json:"newEmail"`
	Password string `json:"password"`
}

type accepted struct {
	ExpiresAt time.Time `json:"expiresAt"`
}

func (s *Service) requestEmail(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	if err := CanChangeEmail(p.User); err != nil { // answered before the body is read
		return err
	}
	var req emailChangeRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	expires, err := s.RequestEmailChange(r.Context(), p.User, req.NewEmail, req.Password)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusAccepted, accepted{ExpiresAt: expires})
	return nil
}

type emailConfirmRequest struct {
	NewEmailCode     string `json:"newEmailCode"`
	CurrentEmailCode string `json:"currentEmailCode"`
}

func (s *Service) confirmEmail(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	if err := CanChangeEmail(p.User); err != nil { // answered before the body is read
		return err
	}
	var req emailConfirmRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	u, err := s.ConfirmEmailChange(r.Context(), p.User, req.NewEmailCode, req.CurrentEmailCode)
	if err != nil {
		return err
	}
	return basic.Write(w, r, http.StatusOK, u)
}

func (s *Service) cancelEmail(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	if err := s.CancelEmailChange(r.Context(), p.User.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type phoneChangeRequest struct {
	Phone    string `json:"phone"`
	Password string `json:"password"`
}

func (s *Service) requestPhone(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	var req phoneChangeRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	expires, err := s.RequestPhoneChange(r.Context(), p.User, req.Phone, req.Password)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusAccepted, accepted{ExpiresAt: expires})
	return nil
}

type phoneConfirmRequest struct {
	Code string `json:"code"`
}

func (s *Service) confirmPhone(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	var req phoneConfirmRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	u, err := s.ConfirmPhoneChange(r.Context(), p.User, req.Code)
	if err != nil {
		return err
	}
	return basic.Write(w, r, http.StatusOK, u)
}
