package profile

import (
	"net/http"
	"strings"

	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/profile/basic"
	"github.com/example/myprofile/shared/sessions"
)

// Routes are the profile edits (profile-edit function). GET /v1/me is
// basic.Routes, served by the profile function, which links neither the
// sanitizer nor any AWS client but DynamoDB's.
func (s *Service) Routes() httpapi.Routes {
	auth := s.Sessions.Require
	return httpapi.Routes{
		"PATCH /v1/me": auth(httpapi.Handle(s.patch)),

		"POST /v1/me/signature/render": auth(httpapi.Handle(s.renderSignature)),
	}
}

// Routes are the password route.
func (s *PasswordService) Routes() httpapi.Routes {
	return httpapi.Routes{"PUT /v1/me/password": s.Sessions.Require(httpapi.Handle(s.change))}
}

func (s *Service) patch(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	body, err := httpapi.ReadBody(r)
	if err != nil {
		return err
	}
	next, err := s.Patch(r.Context(), p.User, body, strings.TrimSpace(r.Header.Get("If-Match")))
	if err != nil {
		return err
	}
	return basic.Write(w, r, http.StatusOK, next)
}

// renderSignature serves POST /v1/me/signature/render: {html?} (default:
// the stored signature) -> {html, text} with the custom values filled.
func (s *Service) renderSignature(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	var req struct {
		HTML *string `json:"html"`
	}
	if r.ContentLength != 0 || r.Header.Get("Content-Type") != "" {
		if err := httpapi.Decode(r, &req); err != nil {
			return err
		}
	}
	out, text, err := s.PreviewSignature(r.Context(), p.User, req.HTML)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"html": out, "text": text})
	return nil
}

func (s *PasswordService) change(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	var req struct {
		CurrentPassword string `json:"currentPassword"`
		NewPassword     string `json:"newPassword"`
	}
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	if err := s.Change(r.Context(), p, req.CurrentPassword, req.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
