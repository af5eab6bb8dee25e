package prefs

import (
	"net/http"

	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/sessions"
)

// Routes are the notification preference routes.
func (s *Service) Routes() httpapi.Routes {
	auth := s.Sessions.Require
	return httpapi.Routes{
		"GET /v1/me/notifications": auth(httpapi.Handle(s.get)),
		"PUT /v1/me/notifications": auth(httpapi.Handle(s.put)),
	}
}

func (s *Service) get(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	out, err := s.Get(r.Context(), p.User)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Service) put(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	raw, err := httpapi.ReadBody(r)
	if err != nil {
		return err
	}
	next, err := s.Put(r.Context(), p.User, raw)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, next)
	return nil
}

// decodeDocument is the API's strict decoding of a JSON object body (the
// same checks and messages as every request body), for Parse.
func decodeDocument(raw []byte, dst any) error { return httpapi.DecodeBytes(raw, dst) }
