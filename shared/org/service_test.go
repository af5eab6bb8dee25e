package org_test

import (
	"context"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/authz"
	"github.com/example/myprofile/shared/org"
)

// These tests call the service methods directly (no HTTP) on DynamoDB
// Local; newAcme only sets up the organization.

// userOf reads a user as the session middleware would hand it to a service.
func userOf(t *testing.T, a acme, id string) account.User {
	t.Helper()
	u, err := a.e.Deps.Store().GetUser(context.Background(), id)
	if err != nil {
		t.Fatalf("get user %s: %v", id, err)
	}
	return u
}

// codeOf is the account error code of err ("" for nil).
func codeOf(err error) string {
	if err == nil {
		return ""
	}
	return account.AsError(err).Code
}

func TestSetRoleRules(t *testing.T) {
	cases := []struct {
		name     string
		actor    func(acme) string // id of who acts
		subject  func(acme) string // id of whose role changes
		role     string
		wantCode string
	}{
		{"an owner makes a user admin", ownerOf, userIDOf, account.RoleAdmin, ""},
		{"an owner makes an admin owner", ownerOf, adminOf, account.RoleOwner, ""},
		{"an owner makes an admin user", ownerOf, adminOf, account.RoleUser, ""},
		{"the same role changes nothing", ownerOf, userIDOf, account.RoleUser, ""},
		{"an admin may not change a role", adminOf, userIDOf, account.RoleAdmin, account.CodeForbidden},
		{"an admin may not promote themselves", adminOf, adminOf, account.RoleOwner, account.CodeForbidden},
		{"a user may not change a role", userIDOf, adminOf, account.RoleUser, account.CodeForbidden},
		{"the last owner cannot be demoted", ownerOf, ownerOf, account.RoleAdmin, account.CodeSoleOwner},
		{"an unknown role is refused", ownerOf, userIDOf, "boss", account.CodeValidation},
		{"an outsider is not found", ownerOf, outsiderOf, account.RoleAdmin, account.CodeNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newAcme(t)
			ctx := context.Background()
			s := a.e.Deps.Org()
			actor, subjectID := userOf(t, a, c.actor(a)), c.subject(a)
			before := userOf(t, a, subjectID)
			got, err := setRole(ctx, s, actor, subjectID, c.role)
			if codeOf(err) != c.wantCode {
				t.Fatalf("SetRole: err = %v, want code %q", err, c.wantCode)
			}
			after := userOf(t, a, subjectID)
			if c.wantCode != "" {
				if after.Version != before.Version || after.Orgs[a.owner.OrgID] != before.Orgs[a.owner.OrgID] {
					t.Fatalf("a refused change was stored: %+v -> %+v", before.Orgs, after.Orgs)
				}
				return
			}
			if got.OrgID != a.owner.OrgID || got.User.ID != subjectID || got.User.Orgs[a.owner.OrgID].Role != c.role {
				t.Fatalf("SetRole answered %+v, want %s in %s", got, c.role, a.owner.OrgID)
			}
			if after.Orgs[a.owner.OrgID].Role != c.role {
				t.Fatalf("stored role %q, want %q", after.Orgs[a.owner.OrgID].Role, c.role)
			}
			roster, err := a.e.Deps.Store().GetRoster(ctx, a.owner.OrgID)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range roster.Members {
				if m.UserID == subjectID && m.Role != c.role {
					t.Fatalf("member item role %q, want %q", m.Role, c.role)
				}
			}
		})
	}
	t.Run("a subject found for another action cannot have its role changed", func(t *testing.T) {
		a := newAcme(t)
		ctx := context.Background()
		s := a.e.Deps.Org()
		admin := userOf(t, a, a.admin.ID)
		sub, err := s.Staff(ctx, admin, a.user.ID, "", authz.ViewProfile)
		if err != nil {
			t.Fatalf("Staff(ViewProfile): %v", err)
		}
		if _, err := s.SetRole(ctx, admin, sub, account.RoleAdmin); codeOf(err) != account.CodeForbidden {
			t.Fatalf("SetRole with a subject found to view: err = %v, want forbidden", err)
		}
	})
}

func ownerOf(a acme) string    { return a.owner.ID }
func adminOf(a acme) string    { return a.admin.ID }
func userIDOf(a acme) string   { return a.user.ID }
func outsiderOf(a acme) string { return a.outsider.ID }

func setRole(ctx context.Context, s *org.Service, actor account.User, id, role string) (org.InOrg, error) {
	sub, err := s.Staff(ctx, actor, id, "", authz.ChangeRole)
	if err != nil {
		return org.InOrg{}, err
	}
	return s.SetRole(ctx, actor, sub, role)
}

func TestInviteRules(t *testing.T) {
	a := newAcme(t)
	cases := []struct {
		name     string
		actor    func(acme) string
		orgID    func(acme) string // "" for the actor's default
		email    string            // "" for a fresh address
		role     string
		wantCode string
	}{
		{"an owner invites an owner", ownerOf, nil, "", account.RoleOwner, ""},
		{"an admin invites an admin", adminOf, nil, "", account.RoleAdmin, ""},
		{"an admin invites a user", adminOf, nil, "", account.RoleUser, ""},
		{"an admin may not invite an owner", adminOf, nil, "", account.RoleOwner, account.CodeForbidden},
		{"a user may not invite", userIDOf, nil, "", account.RoleUser, account.CodeForbidden},
		{"an unknown role is refused", ownerOf, nil, "", "boss", account.CodeValidation},
		{"an invalid address is refused", ownerOf, nil, "not-an-address", account.RoleUser, account.CodeValidation},
		{"a member cannot be invited again", ownerOf, nil, "member", account.RoleUser, account.CodeConflict},
		{"another organization is not found", ownerOf, func(a acme) string { return a.outsider.OrgID }, "", account.RoleUser, account.CodeNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := a.on(t)
			email := c.email
			switch email {
			case "":
				email = testenv.Email(t)
			case "member":
				email = a.user.Email
			}
			orgID := ""
			if c.orgID != nil {
				orgID = c.orgID(a)
			}
			inv, err := e.Deps.Org().Invite(context.Background(), userOf(t, a, c.actor(a)), orgID,
				org.Invitee{Email: email, FirstName: "Ann", LastName: "Lee", Role: c.role})
			if codeOf(err) != c.wantCode {
				t.Fatalf("Invite: err = %v, want code %q", err, c.wantCode)
			}
			mails := len(e.Emails(email))
			if c.wantCode != "" {
				if c.email == "" && mails != 0 {
					t.Fatalf("a refused invitation sent %d emails", mails)
				}
				return
			}
			if inv.Email != email || inv.Role != c.role || inv.OrgID != a.owner.OrgID || inv.ID == "" || inv.TokenHash == "" {
				t.Fatalf("invitation = %+v", inv)
			}
			if got := inv.ExpiresAt.Sub(e.Clock.Now()); got < org.InviteTTL-time.Second || got > org.InviteTTL+time.Second {
				t.Fatalf("expires in %v, want %v", got, org.InviteTTL)
			}
			if mails != 1 {
				t.Fatalf("invitation emails = %d, want 1", mails)
			}
		})
	}
}

func TestListStaffRules(t *testing.T) {
	a := newAcme(t)
	cases := []struct {
		name     string
		actor    func(acme) string
		orgID    string
		page     org.Page
		wantCode string
		wantN    int
	}{
		{"an admin lists the staff", adminOf, "", org.Page{Limit: 50}, "", 3},
		{"an owner lists one page", ownerOf, "", org.Page{Limit: 2}, "", 2},
		{"a user may not list", userIDOf, "", org.Page{Limit: 50}, account.CodeForbidden, 0},
		{"a limit of 0 is refused", adminOf, "", org.Page{Limit: 0}, account.CodeValidation, 0},
		{"a limit over 100 is refused", adminOf, "", org.Page{Limit: 101}, account.CodeValidation, 0},
		{"a cursor it did not issue is refused", adminOf, "", org.Page{Limit: 10, Cursor: "bogus"}, account.CodeValidation, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := a.e.Deps.Org().ListStaff(context.Background(), userOf(t, a, c.actor(a)), c.orgID, c.page)
			if codeOf(err) != c.wantCode {
				t.Fatalf("ListStaff: err = %v, want code %q", err, c.wantCode)
			}
			if c.wantCode == "" && (len(got.Users) != c.wantN || got.OrgID != a.owner.OrgID) {
				t.Fatalf("ListStaff: %d users in %s, want %d in %s", len(got.Users), got.OrgID, c.wantN, a.owner.OrgID)
			}
		})
	}
	t.Run("an organization the actor is not in is not found", func(t *testing.T) {
		_, err := a.e.Deps.Org().ListStaff(context.Background(), userOf(t, a, a.admin.ID), a.outsider.OrgID, org.Page{Limit: 50})
		if codeOf(err) != account.CodeNotFound {
			t.Fatalf("err = %v, want not_found", err)
		}
	})
}

func TestDeleteAccountRefusals(t *testing.T) {
	a := newAcme(t)
	cases := []struct {
		name              string
		password, confirm string
		wantCode          string
	}{
		{"without the confirmation", apptest.DefaultPassword, "yes", account.CodeValidation},
		{"with a wrong password", "Wrong-password-1", "DELETE", account.CodeInvalidCreds},
		{"as the sole owner of an organization with members", apptest.DefaultPassword, "DELETE", account.CodeSoleOwner},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			owner := userOf(t, a, a.owner.ID)
			err := a.e.Deps.Org().DeleteAccount(context.Background(), owner, c.password, account.StepUp{}, c.confirm)
			if codeOf(err) != c.wantCode {
				t.Fatalf("DeleteAccount: err = %v, want code %q", err, c.wantCode)
			}
			if after := userOf(t, a, a.owner.ID); after.Version != owner.Version || len(after.Orgs) != 1 {
				t.Fatalf("a refused deletion changed the account: %+v", after.Orgs)
			}
			if c.wantCode == account.CodeSoleOwner {
				orgs, _ := account.AsError(err).Extra["organizations"].([]map[string]string)
				if len(orgs) != 1 || orgs[0]["id"] != a.owner.OrgID || orgs[0]["name"] != "Acme" {
					t.Fatalf("sole_owner names %v, want Acme", orgs)
				}
			}
		})
	}
}
