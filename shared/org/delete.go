package org

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
)

// DeleteAccount deletes u's account (DELETE /v1/me): confirm must be
// "DELETE", password u's current password and, with 2FA on, code a
// current second factor (401 mfa_invalid without it). The sole owner of an
// organization with other members is refused (409 sole_owner).
//
// Order matters for a deletion that stops half-way (a timeout, a throttled
// batch): memberships go first, each in its own transaction with the user
// record; then the audit entries are anonymized; then the user's items are
// deleted in batches, keeping the user record, the password and the email
// until one last transaction. Until that transaction the user can still
// sign in and send DELETE /v1/me again, which resumes: every step skips
// what is already done.
func (s *Service) DeleteAccount(ctx context.Context, u account.User, password, code, confirm string) error {
	if confirm != "DELETE" {
		return account.Invalid("confirm", `must be "DELETE"`)
	}
	if err := s.Reauth.Check(ctx, u, password, "password"); err != nil {
		return err
	}
	if s.SecondFactor != nil {
		if err := s.SecondFactor.CheckStepUp(ctx, u, code); err != nil {
			return err
		}
	} else if u.TwoFactor.Enabled {
		return account.Errorf(account.CodeMFAInvalid, "With two-factor sign-in on, deleting the account needs a current second factor.")
	}
	if err := s.checkSoleOwner(ctx, u); err != nil {
		return err
	}
	orgs := sortedOrgs(u)
	if len(orgs) == 0 {
		orgs = []string{""}
	}
	if err := s.leaveAll(ctx, u.ID); err != nil {
		return err
	}
	// Once the memberships are gone (a refused or failed departure records
	// nothing): one entry per organization, so each owner's log shows it.
	for _, oid := range orgs {
		if err := s.record(ctx, u.ID, u.ID, oid, audit.ActionAccountDeleted, nil); err != nil {
			return err
		}
	}
	id := u.ID
	u, err := s.Store.GetUser(ctx, id)
	if err != nil && !errors.Is(err, account.ErrNotFound) {
		return account.Internal(err)
	}
	pseudonym := audit.Pseudonym(s.PseudonymKey, id)
	if err := s.Store.AnonymizeAudit(ctx, id, pseudonym); err != nil {
		return account.Internal(err)
	}
	if err == nil {
		for _, hook := range s.OnDelete {
			if err := hook(ctx, u); err != nil {
				return account.Internal(fmt.Errorf("delete hook: %w", err))
			}
		}
		if err := s.Store.DeleteUserData(ctx, u); err != nil {
			return account.Internal(err)
		}
	}
	// Entries recorded while the deletion ran.
	if err := s.Store.AnonymizeAudit(ctx, id, pseudonym); err != nil {
		return account.Internal(err)
	}
	s.Log.InfoContext(ctx, "account deleted", "pseudonym", pseudonym)
	return nil
}

// checkSoleOwner answers 409 sole_owner, listing the organizations, when the
// user is the only owner of an organization that has other members.
func (s *Service) checkSoleOwner(ctx context.Context, u account.User) error {
	var blocked []account.Organization
	for _, oid := range sortedOrgs(u) {
		if u.Orgs[oid].Role != account.RoleOwner {
			continue
		}
		roster, err := s.Store.GetRoster(ctx, oid)
		if errors.Is(err, account.ErrNotFound) {
			continue
		}
		if err != nil {
			return account.Internal(err)
		}
		if soleOwnerWithOthers(roster, u.ID) {
			blocked = append(blocked, roster.Org)
		}
	}
	if len(blocked) > 0 {
		return soleOwner(blocked, "You are the only owner of organizations with other members: make someone else owner first.")
	}
	return nil
}

func soleOwnerWithOthers(r Roster, uid string) bool {
	others := 0
	for _, m := range r.Members {
		if m.UserID != uid {
			others++
		}
	}
	return others > 0 && r.Owners() <= 1
}

func sortedOrgs(u account.User) []string {
	ids := make([]string, 0, len(u.Orgs))
	for id := range u.Orgs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// leaveAll removes every membership of the user, one organization per
// transaction (user record + member item + roster revision), re-reading on
// a race. An organization left empty is deleted.
func (s *Service) leaveAll(ctx context.Context, uid string) error {
	for attempt := 0; ; attempt++ {
		u, err := s.Store.GetUser(ctx, uid)
		if errors.Is(err, account.ErrNotFound) {
			return nil
		}
		if err != nil {
			return account.Internal(err)
		}
		ids := sortedOrgs(u)
		if len(ids) == 0 {
			return nil
		}
		oid := ids[0]
		roster, err := s.Store.GetRoster(ctx, oid)
		last := false
		switch {
		case errors.Is(err, account.ErrNotFound):
			// The organization is gone; only the user's side is left.
			roster = Roster{Org: account.Organization{ID: oid}}
		case err != nil:
			return account.Internal(err)
		default:
			if soleOwnerWithOthers(roster, uid) && u.Orgs[oid].Role == account.RoleOwner {
				// Someone joined since the check.
				return soleOwner([]account.Organization{roster.Org}, "You are the only owner of organizations with other members: make someone else owner first.")
			}
			last = len(roster.Members) == 0 || (len(roster.Members) == 1 && roster.Members[0].UserID == uid)
		}
		next := u
		next.Orgs = copyOrgs(u.Orgs)
		delete(next.Orgs, oid)
		next.Version = u.Version + 1
		next.UpdatedAt = s.Now().UTC()
		if errors.Is(err, account.ErrNotFound) {
			err = s.Users.SaveUser(ctx, next, u.Version)
		} else {
			err = s.Store.RemoveMembership(ctx, next, u.Version, oid, roster.Rev, last)
		}
		if errors.Is(err, account.ErrConflict) && attempt < 10 {
			continue
		}
		if err != nil {
			return account.Internal(fmt.Errorf("leave %s: %w", oid, err))
		}
	}
}
