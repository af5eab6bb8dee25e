package connections

import (
	"net/http"

	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/sessions"
)

// Routes are the connection routes; auth authenticates the session.
func (s *Service) Routes(auth func(http.Handler) http.Handler) httpapi.Routes {
	return httpapi.Routes{
		"GET /v1/me/connections":                      auth(httpapi.Handle(s.list)),
		"POST /v1/me/connections/{provider}/start":    auth(httpapi.Handle(s.start)),
		"POST /v1/me/connections/{provider}/callback": auth(httpapi.Handle(s.callback)),
		"POST /v1/me/connections/icloud":              auth(httpapi.Handle(s.icloud)),
		"DELETE /v1/me/connections/{id}":              auth(httpapi.Handle(s.delete)),
		"PUT /v1/me/connections/{id}/mail-sync":       auth(httpapi.Handle(s.mailSync)),
		"GET /v1/me/calendars":                        auth(httpapi.Handle(s.calendars)),
	}
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	out, err := s.List(r.Context(), p.User)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Service) start(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	var in struct {
		Purpose string `json:"purpose"`
	}
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	u, err := s.Start(r.Context(), p.User, r.PathValue("provider"), in.Purpose)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"authorizationUrl": u})
	return nil
}

func (s *Service) callback(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	var in struct {
		Code  string `json:"code"`
		State string `json:"state"`
	}
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	c, err := s.Callback(r.Context(), p.User, r.PathValue("provider"), in.Code, in.State)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Service) icloud(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	var in struct {
		AppleID     string `json:"appleId"`
		AppPassword string `json:"appPassword"`
	}
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	c, err := s.ConnectICloud(r.Context(), p.User, in.AppleID, in.AppPassword)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Service) delete(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	if err := s.Delete(r.Context(), p.User, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) mailSync(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	var in struct {
		Enabled *bool `json:"enabled"`
	}
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	if in.Enabled == nil {
		return ErrEnabledRequired
	}
	c, err := s.SetMailSync(r.Context(), p.User, r.PathValue("id"), *in.Enabled)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Service) calendars(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	out, err := s.Calendars(r.Context(), p.User)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}
