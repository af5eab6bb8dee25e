package avatar

import (
	"net/http"

	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/sessions"
)

// Routes are the avatar routes.
func (s *Service) Routes() httpapi.Routes {
	auth := s.Sessions.Require
	return httpapi.Routes{
		"POST /v1/me/avatar":   auth(httpapi.Handle(s.begin)),
		"DELETE /v1/me/avatar": auth(httpapi.Handle(s.remove)),
	}
}

func (s *Service) begin(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	form, err := s.Begin(r.Context(), p.User)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, form)
	return nil
}

func (s *Service) remove(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	if err := s.Remove(r.Context(), p.User); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
