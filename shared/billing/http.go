package billing

import (
	"net/http"

	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/sessions"
)

// Routes are the billing-alert routes, served by the profile function.
// require is the session middleware (sessions.Service.Require).
func (s *Service) Routes(require func(http.Handler) http.Handler) httpapi.Routes {
	return httpapi.Routes{
		"GET /v1/me/billing-alert": require(httpapi.Handle(s.getAlert)),
		"PUT /v1/me/billing-alert": require(httpapi.Handle(s.putAlert)),
	}
}

func (s *Service) getAlert(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	orgID, _, err := sessions.CurrentOrg(r, p.User)
	if err != nil {
		return err
	}
	settings, err := s.Alert(r.Context(), p.User, orgID)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, settings)
	return nil
}

func (s *Service) putAlert(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	orgID, m, err := sessions.CurrentOrg(r, p.User)
	if err != nil {
		return err
	}
	// Who may not set one is told so before anything about the body.
	if err := MayManageAlert(orgID, m); err != nil {
		return err
	}
	var in Settings
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	settings, err := s.SetAlert(r.Context(), p.User, orgID, m, in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, settings)
	return nil
}
