package auth

import (
	"net/http"
	"time"

	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/profile/basic"
	"github.com/example/myprofile/shared/sessions"
)

// Routes are the auth function's own routes. The wiring adds the second
// step of a two-factor sign-in and accepting an invitation.
func (s *Service) Routes() httpapi.Routes {
	return httpapi.Routes{
		"POST /v1/auth/signup":          httpapi.Handle(s.signup),
		"POST /v1/auth/signup/confirm":  httpapi.Handle(s.confirmSignup),
		"POST /v1/auth/password/forgot": httpapi.Handle(s.forgot),
		"POST /v1/auth/password/reset":  httpapi.Handle(s.reset),
		"POST /v1/auth/login":           httpapi.Handle(s.login),
		"POST /v1/auth/logout":          s.Sessions.Require(httpapi.Handle(s.logout)),
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
	exp, err := s.RequestSignUp(r.Context(), SignUp(req))
	if err != nil {
		return err
	}
	writeAccepted(w, exp)
	return nil
}

// writeAccepted answers 202 {expiresAt}: the same bytes whether or not the
// address has an account.
func writeAccepted(w http.ResponseWriter, expiresAt time.Time) {
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]any{"expiresAt": expiresAt.UTC()})
}

type confirmSignupRequest struct {
	Email string `json:"email"`
	Code  string `json:"code"`
}

func (s *Service) confirmSignup(w http.ResponseWriter, r *http.Request) error {
	if err := s.SignUpOpen(); err != nil {
		return err
	}
	var req confirmSignupRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	u, sess, err := s.ConfirmSignUp(r.Context(), req.Email, req.Code)
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

type forgotRequest struct {
	Email string `json:"email"`
}

func (s *Service) forgot(w http.ResponseWriter, r *http.Request) error {
	var req forgotRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	exp, err := s.ForgotPassword(r.Context(), req.Email)
	if err != nil {
		return err
	}
	writeAccepted(w, exp)
	return nil
}

type resetRequest struct {
	Email       string `json:"email"`
	Code        string `json:"code"`
	NewPassword string `json:"newPassword"`
}

func (s *Service) reset(w http.ResponseWriter, r *http.Request) error {
	var req resetRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	if err := s.ResetPassword(r.Context(), req.Email, req.Code, req.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
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
