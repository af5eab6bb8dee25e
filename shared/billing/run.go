package billing

import (
	"context"
	"errors"
	"fmt"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/prefs"
)

// Run is the scheduled safety net: it evaluates every organization marked
// low (a sparse index query per shard, never a scan). It costs a few
// DynamoDB requests per organization and one per alert sent: one Query per
// organization reads its balance and subscriptions (Store.OrgAlerts), one
// BatchGetItem reads the members to alert of many organizations
// (Store.Recipients), one transaction per organization claims its due
// alerts while the balance is unchanged (Store.ClaimAlerts), and each alert
// sent is disarmed by one more, also conditioned on the balance
// (Store.DisarmAlertAt). Re-arming and forgetting partial sends write only
// for the subscriptions that need it.
func (s *Service) Run(ctx context.Context) (Stats, error) {
	orgs, err := s.Store.LowBalanceOrgs(ctx)
	if err != nil {
		return Stats{}, err
	}
	var total Stats
	var errs []error
	type due struct {
		b    Balance
		subs []Subscription
	}
	var pending []due
	var members []string
	for _, oid := range orgs {
		b, subs, err := s.Store.OrgAlerts(ctx, oid)
		if err != nil {
			errs = append(errs, fmt.Errorf("org %s: %w", oid, err))
			continue
		}
		total.Orgs++
		below, err := s.settle(ctx, b, subs, &total)
		if err != nil {
			errs = append(errs, fmt.Errorf("org %s: %w", oid, err))
		}
		if len(below) > 0 {
			pending = append(pending, due{b, below})
			for _, sub := range below {
				members = append(members, sub.UserID)
			}
		}
	}
	var recipients map[string]Recipient
	if len(members) > 0 {
		if recipients, err = s.Store.Recipients(ctx, members); err != nil {
			errs = append(errs, err)
			pending = nil
		}
	}
	for _, p := range pending {
		st, err := s.alertAll(ctx, p.b, p.subs, recipients)
		total.add(st)
		if err != nil {
			errs = append(errs, fmt.Errorf("org %s: %w", p.b.OrgID, err))
		}
	}
	s.Log.InfoContext(ctx, "low-credit run", "orgs", total.Orgs, "alerts", total.Alerts, "failed", total.Failed, "rearmed", total.Rearmed)
	return total, errors.Join(errs...)
}

// settle applies the rule's bookkeeping to what OrgAlerts read, as
// evaluate does with its three queries: a fired subscription the balance
// is no longer below is re-armed, an armed one no longer below forgets its
// partial sends; it returns the armed subscriptions the balance is below.
func (s *Service) settle(ctx context.Context, b Balance, subs []Subscription, st *Stats) ([]Subscription, error) {
	var below []Subscription
	for _, sub := range subs {
		thr := sub.Settings.Threshold
		if !sub.Settings.Enabled || thr.Currency != b.Money.Currency {
			continue
		}
		switch {
		case !sub.Armed && !Below(b.Money, thr):
			ok, err := s.Store.RearmAlert(ctx, sub.OrgID, sub.UserID, sub.Rule)
			if err != nil {
				return below, err
			}
			if ok {
				st.Rearmed++
				s.Log.InfoContext(ctx, "billing alert re-armed", "orgId", sub.OrgID, "userId", sub.UserID)
			}
		case sub.Armed && !Below(b.Money, thr):
			if len(sub.Sent) > 0 {
				if _, err := s.Store.ForgetSent(ctx, sub.OrgID, sub.UserID, sub.Rule); err != nil {
					return below, err
				}
			}
		case sub.Armed:
			below = append(below, sub)
		}
	}
	return below, nil
}

// alertAll claims the organization's due subscriptions in one request and
// sends each, then disarms it.
func (s *Service) alertAll(ctx context.Context, b Balance, subs []Subscription, recipients map[string]Recipient) (Stats, error) {
	var st Stats
	now := s.Now()
	leaseID, err := newLeaseID()
	if err != nil {
		return st, err
	}
	claimed, err := s.Store.ClaimAlerts(ctx, b, subs, leaseID, now, now.Add(s.lease()))
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	for _, sub := range claimed {
		sent, err := s.alertClaimed(ctx, b, sub, recipients)
		switch {
		case err != nil:
			st.Failed++
			errs = append(errs, err)
		case sent:
			st.Alerts++
		}
	}
	return st, errors.Join(errs...)
}

// alertClaimed sends one claimed subscription with what the run read: the
// member's record and preferences as of the batch read.
func (s *Service) alertClaimed(ctx context.Context, b Balance, sub Subscription, recipients map[string]Recipient) (bool, error) {
	log := s.Log.With("orgId", sub.OrgID, "userId", sub.UserID)
	release := func(done []string) {
		if _, err := s.Store.ReleaseAlert(context.WithoutCancel(ctx), sub.OrgID, sub.UserID, sub.LeaseID, done); err != nil {
			log.ErrorContext(ctx, "billing alert lease not released", "error", err)
		}
	}
	r, ok := recipients[sub.UserID]
	if !ok {
		log.InfoContext(ctx, "billing alert disabled: user is gone")
		return false, s.Store.DisableAlert(ctx, sub.OrgID, sub.UserID)
	}
	u := r.User
	if m, ok := u.Orgs[sub.OrgID]; !ok || !CanManage(m.Role) {
		log.InfoContext(ctx, "billing alert disabled: member no longer has the billing permission")
		return false, s.Store.DisableAlert(ctx, sub.OrgID, sub.UserID)
	}
	// The preferences came with the record (Allowed nil: everything
	// allowed, as on the event path).
	var allowed func(string) (bool, error)
	if s.Allowed != nil {
		allowed = func(ch string) (bool, error) { return prefs.AllowedAnywhere(r.Prefs, "billing", ch), nil }
	}
	done, failed := s.sendAlert(ctx, log, u, sub, b.Money, allowed)
	if len(failed) > 0 {
		release(done)
		return false, errors.Join(failed...)
	}
	ok, stale, err := s.Store.DisarmAlertAt(ctx, b, sub.UserID, sub.LeaseID)
	if err != nil {
		return true, err
	}
	if stale {
		// The balance changed while we were sending: disarm, then re-arm at
		// once if it rose, as the event path does.
		if ok, err = s.Store.DisarmAlert(ctx, sub.OrgID, sub.UserID, sub.LeaseID); err != nil {
			return true, err
		}
		if ok {
			if nb, err := s.Store.GetBalance(ctx, sub.OrgID); err == nil && !Below(nb.Money, sub.Settings.Threshold) {
				if _, err := s.Store.RearmAlert(ctx, sub.OrgID, sub.UserID, sub.Rule); err != nil {
					return true, err
				}
			} else if err != nil && !errors.Is(err, account.ErrNotFound) {
				return true, err
			}
		}
	}
	if !ok {
		log.WarnContext(ctx, "billing alert lease lost before disarm")
	}
	return true, nil
}
