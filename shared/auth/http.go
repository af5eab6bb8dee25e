package auth

import (
	"net/http"

	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/profile/basic"
	"github.com/example/myprofile/shared/sessions"
)

// Routes are the auth function's own routes. The wiring adds the second
// step of a two-factor sign-in and accepting an invitation.
func (s *Service) Routes() httpapi.Routes {
	return httpapi.Routes{
		"POST /v1/auth/signup": httpapi.Handle(s.signup),
		"POST /v1/auth/login":  httpapi.Handle(s.login),
		"POST /v1/auth/logout": s.Sessions.Require(httpapi.Handle(s.logout)),
	}
}

type signupRequest struct {
	Email     string `json:"email"`
	Password  string `json:"password"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Language  string `json:"language"`
	Timezone  string `json:"timezone"`
	OrgName   string `json:"orgName"`
}

func (s *Service) signup(w http.ResponseWriter, r *http.Request) error {
	// A closed sign-up is answered before the body is read.
	if err := s.SignUpOpen(); err != nil {
		return err
	}
	var req signupRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	u, sess, err := s.SignUp(r.Context(), SignUp(req))
	if err != nil {
		return err
	}
	orgID, _, _ := u.CurrentOrg("") // the one organization sign-up made
	httpapi.WriteJSON(w, http.StatusCreated, map[string]any{
		"user":    basic.View(u, orgID),
		"session": sess,
	})
	return nil
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (s *Service) login(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	in, err := s.SignIn(r.Context(), req.Email, req.Password)
	if err != nil {
		return err
	}
	if in.SecondStep != nil {
		httpapi.WriteJSON(w, http.StatusOK, in.SecondStep)
		return nil
	}
	writeSession(w, in.Session)
	return nil
}

// IssueSession creates a session for the user and answers 200 {session}
// (the second step of a two-factor sign-in ends with it).
func (s *Service) IssueSession(w http.ResponseWriter, r *http.Request, userID string) error {
	sess, err := s.StartSession(r.Context(), userID)
	if err != nil {
		return err
	}
	writeSession(w, sess)
	return nil
}

func writeSession(w http.ResponseWriter, sess sessions.Issued) {
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"session": sess})
}

func (s *Service) logout(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	if err := s.SignOut(r.Context(), p.User.ID, p.Session.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
