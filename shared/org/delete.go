package org

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/events"
)

// DeleteAccount deletes u's account (DELETE /v1/me): confirm must be
// "DELETE", password u's current password and, with 2FA on, f a current
// second factor: a code or a passkey assertion (401 mfa_invalid without it). The sole owner of an
// organization with other members is refused (409 sole_owner), and a
// refused deletion changes nothing.
//
// Order matters for a deletion that stops half-way (a timeout, a throttled
// batch): first every organization is checked and all memberships go in
// one transaction with the user record (leaveAll), so a concurrent change
// (a co-owner deleting their account at the same time) either leaves the
// account exactly as it was or lets it leave them all; then the audit
// entries are anonymized; then the user's items are deleted in batches,
// keeping the user record, the password and the email until one last
// transaction. Until that transaction the user can still sign in and send
// DELETE /v1/me again, which resumes: every step skips what is already
// done.
func (s *Service) DeleteAccount(ctx context.Context, u account.User, password string, f account.StepUp, confirm string) error {
	if confirm != "DELETE" {
		return account.Invalid("confirm", `must be "DELETE"`)
	}
	if err := s.Reauth.Check(ctx, u, password, "password"); err != nil {
		return err
	}
	if s.SecondFactor != nil {
		if err := s.SecondFactor.CheckStepUp(ctx, u, f); err != nil {
			return err
		}
	} else if u.TwoFactor.Enabled {
		return account.Errorf(account.CodeMFAInvalid, "With two-factor sign-in on, deleting the account needs a current second factor.")
	}
	orgs := sortedOrgs(u)
	if len(orgs) == 0 {
		orgs = []string{""}
	}
	left, orgEvents, err := s.leaveAll(ctx, u.ID)
	if err != nil {
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
	u, err = s.Store.GetUser(ctx, id)
	if err != nil && !errors.Is(err, account.ErrNotFound) {
		return account.Internal(err)
	}
	pseudonym := audit.Pseudonym(s.PseudonymKey, id)
	if err := s.Store.AnonymizeAudit(ctx, id, pseudonym); err != nil {
		return account.Internal(err)
	}
	var deleted []events.Event
	if err == nil {
		for _, hook := range s.OnDelete {
			if err := hook(ctx, u); err != nil {
				return account.Internal(fmt.Errorf("delete hook: %w", err))
			}
		}
		// User Deleted is recorded in the transaction that deletes the user
		// record (the deletion's commit point); a deletion resumed after
		// that commit (the record is gone) has recorded it already.
		deleted = s.event(ctx, events.UserDeleted, map[string]any{"userId": id, "organizationIds": orgIDs(left)})
		if err := s.Store.DeleteUserData(ctx, u, deleted...); err != nil {
			return account.Internal(err)
		}
	}
	// Entries recorded while the deletion ran.
	if err := s.Store.AnonymizeAudit(ctx, id, pseudonym); err != nil {
		return account.Internal(err)
	}
	// After the commit, never failing the request (the outbox and its
	// sweep retry): the organizations deleted (recorded with the
	// departures), then the user.
	s.Events.Deliver(ctx, append(orgEvents, deleted...)...)
	s.Log.InfoContext(ctx, "account deleted", "pseudonym", pseudonym)
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

// leaveAll removes every membership of the user in one transaction (user
// record + each organization's member item, billing alert and roster
// revision), after checking every organization: the sole owner of an
// organization with other members is refused (409 sole_owner) before
// anything is written. A race (the roster or the user changed since the
// read) re-reads and checks again. An organization left empty is deleted;
// its Organization Deleted event is recorded in the same transaction (when
// it fits in the transaction's 100 items; otherwise right after it) and
// returned for delivery.
func (s *Service) leaveAll(ctx context.Context, uid string) ([]Departure, []events.Event, error) {
	for attempt := 0; ; attempt++ {
		u, err := s.Store.GetUser(ctx, uid)
		if errors.Is(err, account.ErrNotFound) {
			return nil, nil, nil
		}
		if err != nil {
			return nil, nil, account.Internal(err)
		}
		ids := sortedOrgs(u)
		if len(ids) == 0 {
			return nil, nil, nil
		}
		var blocked []account.Organization
		leaving := make([]Departure, 0, len(ids))
		for _, oid := range ids {
			roster, err := s.Store.GetRoster(ctx, oid)
			if errors.Is(err, account.ErrNotFound) {
				leaving = append(leaving, Departure{OrgID: oid, Gone: true})
				continue
			}
			if err != nil {
				return nil, nil, account.Internal(err)
			}
			if u.Orgs[oid].Role == account.RoleOwner && soleOwnerWithOthers(roster, uid) {
				blocked = append(blocked, roster.Org)
			}
			last := len(roster.Members) == 0 || (len(roster.Members) == 1 && roster.Members[0].UserID == uid)
			leaving = append(leaving, Departure{OrgID: oid, Rev: roster.Rev, Last: last})
		}
		if len(blocked) > 0 {
			return nil, nil, soleOwner(blocked, "You are the only owner of organizations with other members: make someone else owner first.")
		}
		if len(leaving) > MaxDepartures {
			return nil, nil, account.Errorf(account.CodeConflict, "You belong to more than %d organizations: leave some first, then delete the account.", MaxDepartures)
		}
		next := u
		next.Orgs = map[string]account.Membership{}
		next.Version = u.Version + 1
		next.UpdatedAt = s.Now().UTC()
		var evs []events.Event
		writes := 1
		for _, d := range leaving {
			if d.Last && !d.Gone {
				evs = append(evs, s.event(ctx, events.OrganizationDeleted, map[string]any{"organizationId": d.OrgID, "actorId": uid})...)
			}
			if !d.Gone {
				writes += 3
			}
		}
		inTxn := evs
		if writes+len(evs) > maxTransactItems {
			inTxn = nil // too many for one transaction: written right after it
		}
		err = s.Store.LeaveOrganizations(ctx, next, u.Version, leaving, inTxn...)
		if err == nil {
			if inTxn == nil {
				for _, e := range evs {
					if err := s.Events.Outbox.PutEvent(ctx, e); err != nil {
						s.Log.WarnContext(ctx, "event outbox write failed; publishing directly", "eventId", e.ID, "err", err)
					}
				}
			}
			return leaving, evs, nil
		}
		if errors.Is(err, account.ErrConflict) && attempt < 10 {
			continue
		}
		if errors.Is(err, account.ErrConflict) {
			return nil, nil, account.Errorf(account.CodeConflict, "Your organizations are being changed by other requests; retry.")
		}
		return nil, nil, account.Internal(fmt.Errorf("leave organizations: %w", err))
	}
}

func orgIDs(ds []Departure) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.OrgID)
	}
	return out
}
