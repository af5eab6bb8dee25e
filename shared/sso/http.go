package sso

import (
	"net/http"

	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/sessions"
)

// ConfigRoutes are the configuration routes (the profile function serves
// them with the other organization routes).
func (s *Service) ConfigRoutes() httpapi.Routes {
	req := s.Sessions.Require
	return httpapi.Routes{
		"PUT /v1/organizations/{id}/sso":                      req(httpapi.Handle(s.putConfig)),
		"GET /v1/organizations/{id}/sso":                      req(httpapi.Handle(s.getConfig)),
		"DELETE /v1/organizations/{id}/sso":                   req(httpapi.Handle(s.deleteConfig)),
		"GET /v1/organizations/{id}/domains":                  req(httpapi.Handle(s.listDomains)),
		"POST /v1/organizations/{id}/domains":                 req(httpapi.Handle(s.addDomain)),
		"POST /v1/organizations/{id}/domains/{domain}/verify": req(httpapi.Handle(s.verifyDomain)),
	}
}

// SignInRoutes are the sign-in routes (the auth function serves them).
func (s *Service) SignInRoutes() httpapi.Routes {
	return httpapi.Routes{
		"POST /v1/auth/sso/start":    httpapi.Handle(s.start),
		"POST /v1/auth/sso/callback": httpapi.Handle(s.callback),
	}
}

type configRequest struct {
	Issuer                string   `json:"issuer"`
	ClientID              string   `json:"clientId"`
	ClientSecret          string   `json:"clientSecret"`
	Domains               []string `json:"domains"`
	Enforce               bool     `json:"enforce"`
	IdPURL                string   `json:"idpUrl"`
	OwnerPasswordDisabled bool     `json:"ownerPasswordDisabled"`
}

func (s *Service) putConfig(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	var req configRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	v, err := s.Configure(r.Context(), p.User, r.PathValue("id"), ConfigInput(req))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (s *Service) getConfig(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	v, err := s.Config(r.Context(), p.User, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (s *Service) deleteConfig(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	if err := s.RemoveConfig(r.Context(), p.User, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) listDomains(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	ds, err := s.ListDomains(r.Context(), p.User, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"domains": ds})
	return nil
}

type domainRequest struct {
	Domain string `json:"domain"`
}

func (s *Service) addDomain(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	var req domainRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	d, created, err := s.AddDomain(r.Context(), p.User, r.PathValue("id"), req.Domain)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	httpapi.WriteJSON(w, status, d)
	return nil
}

func (s *Service) verifyDomain(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	d, err := s.VerifyDomain(r.Context(), p.User, r.PathValue("id"), r.PathValue("domain"))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, d)
	return nil
}

type startRequest struct {
	Email string `json:"email"`
}

func (s *Service) start(w http.ResponseWriter, r *http.Request) error {
	var req startRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	u, err := s.Start(r.Context(), req.Email)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"authorizationUrl": u})
	return nil
}

type callbackRequest struct {
	Code  string `json:"code"`
	State string `json:"state"`
}

func (s *Service) callback(w http.ResponseWriter, r *http.Request) error {
	var req callbackRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	sess, err := s.Callback(r.Context(), req.Code, req.State)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"session": sess})
	return nil
}
