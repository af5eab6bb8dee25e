package authz

import "github.com/example/myprofile/shared/account"

// Action is something one user does to another (or to an organization).
type Action string

const (
	// ViewProfile reads another user's profile.
	ViewProfile Action = "profile.view"
	// EditProfile changes another user's personal fields (names, display
	// name, language, region, time zone; never email, phone, password or 2FA).
	EditProfile Action = "profile.edit"
	// ListMembers lists the organization's staff.
	ListMembers Action = "members.list"
	// Invite adds a member; the subject carries the role offered in
	// Orgs[orgID].
	Invite Action = "members.invite"
	// ChangeRole sets a member's role (any role: only owners may).
	ChangeRole Action = "members.change_role"
	// ViewOrgAudit reads the organization's audit log.
	ViewOrgAudit Action = "audit.view_org"
)

// rank orders roles: a higher rank may act on an equal or lower one.
func rank(role string) int {
	switch role {
	case account.RoleOwner:
		return 3
	case account.RoleAdmin:
		return 2
	case account.RoleUser:
		return 1
	}
	return 0
}

// Can reports whether actor may do action to subject in orgID. The actor
// must be a member of orgID; for actions on a user, so must the subject.
// A user may always view and edit themselves.
//
//	action        | user            | admin                          | owner
//	--------------|-----------------|--------------------------------|---------------
//	ViewProfile   | self            | any member                     | any member
//	EditProfile   | self            | self, users, admins            | any member
//	ListMembers   | no              | yes                            | yes
//	Invite (role) | no              | user, admin                    | any role
//	ChangeRole    | no              | no                             | any member
//	ViewOrgAudit  | no              | no                             | yes
func Can(actor account.User, action Action, subject account.User, orgID string) bool {
	if orgID == "" {
		return false
	}
	am, ok := actor.Orgs[orgID]
	if !ok || rank(am.Role) == 0 {
		return false
	}
	a := rank(am.Role)
	switch action {
	case ListMembers:
		return a >= rank(account.RoleAdmin)
	case ViewOrgAudit:
		return a == rank(account.RoleOwner)
	case Invite:
		sm, ok := subject.Orgs[orgID]
		return ok && rank(sm.Role) > 0 && a >= rank(account.RoleAdmin) && a >= rank(sm.Role)
	}
	sm, ok := subject.Orgs[orgID]
	if !ok || rank(sm.Role) == 0 {
		return false
	}
	self := actor.ID != "" && actor.ID == subject.ID
	switch action {
	case ViewProfile:
		return self || a >= rank(account.RoleAdmin)
	case EditProfile:
		return self || (a >= rank(account.RoleAdmin) && a >= rank(sm.Role))
	case ChangeRole:
		return a == rank(account.RoleOwner)
	}
	return false
}
