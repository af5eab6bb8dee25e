package org

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/authz"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/profile/basic"
	"github.com/example/myprofile/shared/sessions"
)

// Routes are the routes the profile-edit function serves.
func (s *Service) Routes() httpapi.Routes {
	req := s.Sessions.Require
	return httpapi.Routes{
		"GET /v1/users":                    req(httpapi.Handle(s.listUsers)),
		"POST /v1/users":                   req(httpapi.Handle(s.invite)),
		"GET /v1/users/{id}":               req(httpapi.Handle(s.getUser)),
		"PATCH /v1/users/{id}":             req(httpapi.Handle(s.patchUser)),
		"PUT /v1/users/{id}/role":          req(httpapi.Handle(s.setRole)),
		"DELETE /v1/me":                    req(httpapi.Handle(s.deleteMe)),
		"GET /v1/me/audit":                 req(httpapi.Handle(s.myAudit)),
		"GET /v1/organizations/{id}/audit": req(httpapi.Handle(s.orgAudit)),

		"GET /v1/me/export":                                        req(httpapi.Handle(s.export)),
		"GET /v1/me/organizations":                                 req(httpapi.Handle(s.myOrgs)),
		"DELETE /v1/organizations/{id}/members/{userId}":           req(httpapi.Handle(s.removeMember)),
		"POST /v1/organizations/{id}/leave":                        req(httpapi.Handle(s.leave)),
		"GET /v1/organizations/{id}/invitations":                   req(httpapi.Handle(s.listInvitations)),
		"DELETE /v1/organizations/{id}/invitations/{invitationId}": req(httpapi.Handle(s.revokeInvitation)),
	}
}

// AuthRoutes are the routes the auth function serves (merge them into
// auth.Service.ExtraRoutes).
func (s *Service) AuthRoutes() httpapi.Routes {
	return httpapi.Routes{"POST /v1/auth/accept-invite": httpapi.Handle(s.acceptInvite)}
}

// orgOf is the organization the request asks to act in ("" for the default).
func orgOf(r *http.Request) string { return strings.TrimSpace(r.Header.Get(basic.OrgHeader)) }

// pageOf reads ?limit= (default 50; anything but an integer is out of
// range, which the service refuses) and ?cursor=.
func pageOf(r *http.Request) Page {
	q := r.URL.Query()
	p := Page{Limit: 50, Cursor: q.Get("cursor")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			n = 0
		}
		p.Limit = n
	}
	return p
}

func (s *Service) writeUser(w http.ResponseWriter, status int, m InOrg) {
	w.Header().Set("ETag", basic.ETag(m.User))
	httpapi.WriteJSON(w, status, s.view(m.User, m.OrgID))
}

func (s *Service) listUsers(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	page, err := s.ListStaff(r.Context(), p.User, orgOf(r), pageOf(r))
	if err != nil {
		return err
	}
	out := make([]basic.Profile, 0, len(page.Users))
	for _, u := range page.Users {
		out = append(out, s.view(u, page.OrgID))
	}
	body := map[string]any{"users": out}
	if page.Next != "" {
		body["nextCursor"] = page.Next
	}
	httpapi.WriteJSON(w, http.StatusOK, body)
	return nil
}

func (s *Service) getUser(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	m, err := s.Staff(r.Context(), p.User, r.PathValue("id"), orgOf(r), authz.ViewProfile)
	if err != nil {
		return err
	}
	s.writeUser(w, http.StatusOK, m)
	return nil
}

// patchUser finds the user before it reads the body, so a user one may not
// edit is answered 404 or 403 whatever the body.
func (s *Service) patchUser(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	subject, err := s.Staff(r.Context(), p.User, r.PathValue("id"), orgOf(r), authz.EditProfile)
	if err != nil {
		return err
	}
	body, err := httpapi.ReadBody(r)
	if err != nil {
		return err
	}
	var members map[string]json.RawMessage
	if err := httpapi.DecodeBytes(body, &members); err != nil {
		return err
	}
	m, err := s.EditStaff(r.Context(), p.User, subject, r.Header.Get("If-Match"), body)
	if err != nil {
		return err
	}
	s.writeUser(w, http.StatusOK, m)
	return nil
}

// setRole, like patchUser, finds the user before it reads the body.
func (s *Service) setRole(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	subject, err := s.Staff(r.Context(), p.User, r.PathValue("id"), orgOf(r), authz.ChangeRole)
	if err != nil {
		return err
	}
	var body struct {
		Role string `json:"role"`
	}
	if err := httpapi.Decode(r, &body); err != nil {
		return err
	}
	m, err := s.SetRole(r.Context(), p.User, subject, body.Role)
	if err != nil {
		return err
	}
	s.writeUser(w, http.StatusOK, m)
	return nil
}

func (s *Service) myAudit(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	page, err := s.MyAudit(r.Context(), p.User, pageOf(r))
	if err != nil {
		return err
	}
	writeAudit(w, page)
	return nil
}

func (s *Service) orgAudit(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	page, err := s.OrgAudit(r.Context(), p.User, r.PathValue("id"), pageOf(r))
	if err != nil {
		return err
	}
	writeAudit(w, page)
	return nil
}

func writeAudit(w http.ResponseWriter, page audit.Page) {
	body := map[string]any{"entries": page.Entries}
	if page.Next != "" {
		body["nextCursor"] = page.Next
	}
	httpapi.WriteJSON(w, http.StatusOK, body)
}

// invitationJSON is the answer to an invitation: only what the inviter
// typed and when it expires, the same for every address.
type invitationJSON struct {
	Email          string    `json:"email"`
	FirstName      string    `json:"firstName"`
	LastName       string    `json:"lastName"`
	Role           string    `json:"role"`
	OrganizationID string    `json:"organizationId"`
	ExpiresAt      time.Time `json:"expiresAt"`
}

func (s *Service) invite(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	var in Invitee
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	inv, err := s.Invite(r.Context(), p.User, orgOf(r), in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]any{"invitation": invitationJSON{
		Email: inv.Email, FirstName: inv.FirstName, LastName: inv.LastName, Role: inv.Role,
		OrganizationID: inv.OrgID, ExpiresAt: inv.ExpiresAt,
	}})
	return nil
}

// acceptInvite answers the joined account's profile in the organization
// when signed in, the new account's session otherwise.
func (s *Service) acceptInvite(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	session, _ := sessions.BearerToken(r)
	a, err := s.AcceptInvite(r.Context(), session, req.Token, req.Password)
	if err != nil {
		return err
	}
	if a.Session != nil {
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"session": *a.Session})
		return nil
	}
	s.writeUser(w, http.StatusOK, a.InOrg)
	return nil
}

func (s *Service) deleteMe(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	var req struct {
		Password  string                   `json:"password"`
		Code      string                   `json:"code"`
		Assertion *account.StepUpAssertion `json:"assertion"`
		Confirm   string                   `json:"confirm"`
	}
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	if err := s.DeleteAccount(r.Context(), p.User, req.Password, account.StepUp{Code: req.Code, Assertion: req.Assertion}, req.Confirm); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) myOrgs(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	orgs, err := s.MyOrganizations(r.Context(), p.User)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"organizations": orgs})
	return nil
}

func (s *Service) removeMember(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	if err := s.RemoveMember(r.Context(), p.User, r.PathValue("id"), r.PathValue("userId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) leave(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	if err := s.Leave(r.Context(), p.User, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) listInvitations(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	invs, err := s.Invitations(r.Context(), p.User, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"invitations": invs})
	return nil
}

func (s *Service) revokeInvitation(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	if err := s.RevokeInvitation(r.Context(), p.User, r.PathValue("id"), r.PathValue("invitationId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// export answers the personal data export as a JSON file download.
func (s *Service) export(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	data, err := s.ExportData(r.Context(), p.User)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", `attachment; filename="myprofile-export.json"`)
	w.Header().Set("Cache-Control", "no-store")
	httpapi.WriteJSON(w, http.StatusOK, data)
	return nil
}
