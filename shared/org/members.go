package org

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/events"
)

// MyOrg is one organization the user belongs to, with their role there.
type MyOrg struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	JoinedAt time.Time `json:"joinedAt"`
}

// MyOrganizations lists the organizations u belongs to (GET
// /v1/me/organizations), ordered by when they joined (the first is the
// default organization of a request without X-Organization-Id).
func (s *Service) MyOrganizations(ctx context.Context, u account.User) ([]MyOrg, error) {
	ids := sortedOrgs(u)
	orgs, err := s.Store.GetOrgs(ctx, ids)
	if err != nil {
		return nil, account.Internal(err)
	}
	out := make([]MyOrg, 0, len(ids))
	for _, id := range ids {
		o, ok := orgs[id]
		if !ok {
			continue // deleted meanwhile
		}
		m := u.Orgs[id]
		out = append(out, MyOrg{ID: id, Name: o.Name, Role: m.Role, JoinedAt: m.JoinedAt})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].JoinedAt.Equal(out[j].JoinedAt) {
			return out[i].JoinedAt.Before(out[j].JoinedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// memberOf checks that actor belongs to orgID: 404 otherwise, as if the
// organization did not exist.
func memberOf(actor account.User, orgID string) error {
	if _, ok := actor.Orgs[strings.TrimSpace(orgID)]; !ok || orgID == "" {
		return account.Errorf(account.CodeNotFound, "No such organization.")
	}
	return nil
}

// RemoveMember removes userID from orgID (DELETE
// /v1/organizations/{id}/members/{userId}). An owner removes anyone but
// the last owner (409 sole_owner); an administrator removes users only
// (403 otherwise); a user removes nobody. Removing oneself is leaving
// (Leave). The removed user's access to the organization ends with the
// transaction: every request reads the user record, whose memberships no
// longer name it; their sessions keep working in their other
// organizations. Audited as member.removed.
func (s *Service) RemoveMember(ctx context.Context, actor account.User, orgID, userID string) error {
	if err := memberOf(actor, orgID); err != nil {
		return err
	}
	if userID == actor.ID {
		return s.Leave(ctx, actor, orgID)
	}
	role := actor.Orgs[orgID].Role
	if role != account.RoleOwner && role != account.RoleAdmin {
		return account.Errorf(account.CodeForbidden, "Only owners and administrators can remove members.")
	}
	if _, err := uuid.Parse(userID); err != nil {
		return notFoundUser()
	}
	subject, err := s.Store.GetUser(ctx, userID)
	if errors.Is(err, account.ErrNotFound) {
		return notFoundUser()
	}
	if err != nil {
		return account.Internal(err)
	}
	if _, ok := subject.Orgs[orgID]; !ok {
		return notFoundUser()
	}
	may := func(subjectRole string) bool {
		return role == account.RoleOwner || subjectRole == account.RoleUser
	}
	if !may(subject.Orgs[orgID].Role) {
		return account.Errorf(account.CodeForbidden, "Administrators can remove users only.")
	}
	return s.depart(ctx, userID, orgID, func(cur account.Membership) error {
		if !may(cur.Role) {
			return account.Errorf(account.CodeForbidden, "Administrators can remove users only.")
		}
		return nil
	}, func(m account.Membership) []events.Event {
		return s.event(ctx, events.MemberRemoved, map[string]any{"organizationId": orgID, "userId": userID, "actorId": actor.ID, "role": m.Role, "reason": "removed"})
	}, func(m account.Membership) error {
		return s.record(ctx, actor.ID, userID, orgID, audit.ActionMemberRemoved, map[string]string{"role": m.Role})
	})
}

// Leave removes u from orgID (POST /v1/organizations/{id}/leave): any
// member but the last owner (409 sole_owner). Audited as member.left.
func (s *Service) Leave(ctx context.Context, u account.User, orgID string) error {
	if err := memberOf(u, orgID); err != nil {
		return err
	}
	return s.depart(ctx, u.ID, orgID, nil, func(m account.Membership) []events.Event {
		return s.event(ctx, events.MemberRemoved, map[string]any{"organizationId": orgID, "userId": u.ID, "actorId": u.ID, "role": m.Role, "reason": "left"})
	}, func(m account.Membership) error {
		return s.record(ctx, u.ID, u.ID, orgID, audit.ActionMemberLeft, map[string]string{"role": m.Role})
	})
}

// depart removes the membership of uid in orgID in one transaction (user
// record version, member item, roster revision), re-reading on a race.
// check, if set, is asked again on each fresh read; the last owner never
// leaves. report makes the events of the removal, recorded in its
// transaction and delivered once it commits; done runs after the commit.
func (s *Service) depart(ctx context.Context, uid, orgID string, check func(account.Membership) error, report func(account.Membership) []events.Event, done func(account.Membership) error) error {
	for attempt := 0; ; attempt++ {
		u, err := s.Store.GetUser(ctx, uid)
		if errors.Is(err, account.ErrNotFound) {
			return notFoundUser()
		}
		if err != nil {
			return account.Internal(err)
		}
		cur, ok := u.Orgs[orgID]
		if !ok {
			return notFoundUser()
		}
		if check != nil {
			if err := check(cur); err != nil {
				return err
			}
		}
		roster, err := s.Store.GetRoster(ctx, orgID)
		if errors.Is(err, account.ErrNotFound) {
			return account.Errorf(account.CodeNotFound, "No such organization.")
		}
		if err != nil {
			return account.Internal(err)
		}
		if cur.Role == account.RoleOwner && roster.Owners() <= 1 {
			return soleOwner([]account.Organization{roster.Org}, "An organization needs an owner: make someone else owner first.")
		}
		next := u
		next.Orgs = copyOrgs(u.Orgs)
		delete(next.Orgs, orgID)
		next.Version = u.Version + 1
		next.UpdatedAt = s.Now().UTC()
		evs := report(cur)
		err = s.Store.RemoveMembership(ctx, next, u.Version, orgID, roster.Rev, false, evs...)
		switch {
		case err == nil:
			s.Events.Deliver(ctx, evs...)
			return done(cur)
		case errors.Is(err, account.ErrConflict) && attempt < 5:
			continue
		case errors.Is(err, account.ErrConflict):
			return account.Errorf(account.CodeConflict, "The organization is being changed by another request; retry.")
		default:
			return account.Internal(err)
		}
	}
}
