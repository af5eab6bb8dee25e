package authz_test

import (
	"fmt"
	"testing"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/authz"
)

func member(id, org, role string) account.User {
	u := account.User{ID: id, Orgs: map[string]account.Membership{}}
	if role != "" {
		u.Orgs[org] = account.Membership{Role: role}
	}
	return u
}

// TestRoleMatrix checks every action for every (actor role, subject role)
// pair in the same organization, plus self and other-organization cases.
func TestRoleMatrix(t *testing.T) {
	const org = "org-1"
	roles := []string{account.RoleUser, account.RoleAdmin, account.RoleOwner}
	// want[action][actorRole][subjectRole] for two different users.
	want := map[authz.Action]map[string]map[string]bool{
		authz.ViewProfile: {
			"user":  {"user": false, "admin": false, "owner": false},
			"admin": {"user": true, "admin": true, "owner": true},
			"owner": {"user": true, "admin": true, "owner": true},
		},
		authz.EditProfile: {
			"user":  {"user": false, "admin": false, "owner": false},
			"admin": {"user": true, "admin": true, "owner": false},
			"owner": {"user": true, "admin": true, "owner": true},
		},
		authz.Invite: {
			"user":  {"user": false, "admin": false, "owner": false},
			"admin": {"user": true, "admin": true, "owner": false},
			"owner": {"user": true, "admin": true, "owner": true},
		},
		authz.ChangeRole: {
			"user":  {"user": false, "admin": false, "owner": false},
			"admin": {"user": false, "admin": false, "owner": false},
			"owner": {"user": true, "admin": true, "owner": true},
		},
		authz.ListMembers: {
			"user":  {"user": false, "admin": false, "owner": false},
			"admin": {"user": true, "admin": true, "owner": true},
			"owner": {"user": true, "admin": true, "owner": true},
		},
		authz.ViewOrgAudit: {
			"user":  {"user": false, "admin": false, "owner": false},
			"admin": {"user": false, "admin": false, "owner": false},
			"owner": {"user": true, "admin": true, "owner": true},
		},
	}
	for action, byActor := range want {
		for _, ar := range roles {
			for _, sr := range roles {
				t.Run(fmt.Sprintf("%s %s on %s", ar, action, sr), func(t *testing.T) {
					got := authz.Can(member("a", org, ar), action, member("b", org, sr), org)
					if w := byActor[ar][sr]; got != w {
						t.Errorf("got %v, want %v", got, w)
					}
				})
			}
		}
	}
	selfCases := []struct {
		action authz.Action
		role   string
		want   bool
	}{
		{authz.ViewProfile, "user", true},
		{authz.EditProfile, "user", true},
		{authz.EditProfile, "admin", true},
		{authz.ChangeRole, "user", false},
		{authz.ChangeRole, "admin", false},
		{authz.ChangeRole, "owner", true}, // the handler still refuses a sole owner's demotion
	}
	for _, c := range selfCases {
		t.Run(fmt.Sprintf("%s %s on self", c.role, c.action), func(t *testing.T) {
			u := member("a", org, c.role)
			if got := authz.Can(u, c.action, u, org); got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
	t.Run("an owner elsewhere has no power here", func(t *testing.T) {
		actor := member("a", "org-2", account.RoleOwner)
		for action := range want {
			if authz.Can(actor, action, member("b", org, account.RoleUser), org) {
				t.Errorf("%s allowed to a non-member", action)
			}
		}
	})
	t.Run("a subject outside the organization is out of reach", func(t *testing.T) {
		actor := member("a", org, account.RoleOwner)
		for _, action := range []authz.Action{authz.ViewProfile, authz.EditProfile, authz.ChangeRole, authz.Invite} {
			if authz.Can(actor, action, member("b", "org-2", account.RoleUser), org) {
				t.Errorf("%s allowed on a non-member", action)
			}
		}
	})
	t.Run("no organization, no permission", func(t *testing.T) {
		u := member("a", org, account.RoleOwner)
		if authz.Can(u, authz.ViewProfile, u, "") {
			t.Error("allowed without an organization")
		}
	})
	t.Run("an unknown role grants nothing", func(t *testing.T) {
		actor := member("a", org, "superuser")
		if authz.Can(actor, authz.ViewProfile, member("b", org, account.RoleUser), org) {
			t.Error("unknown role allowed")
		}
	})
}
