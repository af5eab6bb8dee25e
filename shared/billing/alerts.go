package billing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/metrics"
	"github.com/example/myprofile/shared/notify"
)

// Allowed asks the member's notification preferences whether a billing
// message may go out by a channel ("email", "sms"). nil allows everything.
type Allowed func(ctx context.Context, u account.User, channel string) (bool, error)

// Service applies the alert rule.
type Service struct {
	Store  Store
	Users  Users
	Mailer notify.Mailer
	Texter notify.Texter
	Now    func() time.Time
	Log    *slog.Logger
	// Metrics counts the alerts sent (optional).
	Metrics metrics.Counter
	// Lease is how long a claimed subscription stays reserved for its
	// sender (default 2 minutes): longer than a send, shorter than a run.
	Lease time.Duration
	// Allowed consults notification preferences (category "billing").
	Allowed Allowed
	// AppName is shown in the messages.
	AppName string
}

func (s *Service) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return 2 * time.Minute
}

// Stats counts what a run did.
type Stats struct {
	Orgs    int // organizations evaluated
	Alerts  int // subscriptions alerted (all their channels delivered)
	Failed  int // subscriptions whose send failed (still armed)
	Rearmed int
}

func (a *Stats) add(b Stats) {
	a.Orgs += b.Orgs
	a.Alerts += b.Alerts
	a.Failed += b.Failed
	a.Rearmed += b.Rearmed
}

// BalanceChanged handles one "Balance Changed" event: it stores the
// balance (an older or duplicate event changes nothing) and evaluates the
// organization at once, so members hear within seconds. A retried delivery
// of the latest event evaluates again, which is idempotent.
func (s *Service) BalanceChanged(ctx context.Context, ev BalanceEvent) (Stats, error) {
	b, err := ev.ToBalance()
	if err != nil {
		return Stats{}, err
	}
	// Decide the low marker before the write so balance and marker land
	// in one item write: the scheduled run then sees every low org even if
	// this invocation dies right after.
	low, err := s.Store.AnyAlertAbove(ctx, b.OrgID, b.Money)
	if err != nil {
		return Stats{}, err
	}
	b.Low = low
	stored, err := s.Store.PutBalance(ctx, b)
	if errors.Is(err, ErrStale) {
		if !stored.ComputedAt.Equal(b.ComputedAt) || stored.Money != b.Money {
			s.Log.InfoContext(ctx, "balance event ignored: a newer balance is stored", "orgId", b.OrgID,
				"computedAt", b.ComputedAt, "storedComputedAt", stored.ComputedAt)
			return Stats{}, nil
		}
		b = stored // a redelivery: evaluate again
	} else if err != nil {
		return Stats{}, err
	}
	return s.evaluate(ctx, b)
}

// evaluate applies the rule to one organization at balance b.
func (s *Service) evaluate(ctx context.Context, b Balance) (Stats, error) {
	st := Stats{Orgs: 1}
	fired, err := s.Store.FiredAlerts(ctx, b.OrgID, b.Money)
	if err != nil {
		return st, err
	}
	for _, sub := range fired {
		ok, err := s.Store.RearmAlert(ctx, sub.OrgID, sub.UserID, sub.Rule)
		if err != nil {
			return st, err
		}
		if ok {
			st.Rearmed++
			s.Log.InfoContext(ctx, "billing alert re-armed", "orgId", sub.OrgID, "userId", sub.UserID)
		}
	}
	// An alert still armed whose balance recovered before every channel
	// went out: that crossing is over, and the next starts with every channel.
	recovered, err := s.Store.RecoveredAlerts(ctx, b.OrgID, b.Money)
	if err != nil {
		return st, err
	}
	for _, sub := range recovered {
		if len(sub.Sent) == 0 {
			continue
		}
		if _, err := s.Store.ForgetSent(ctx, sub.OrgID, sub.UserID, sub.Rule); err != nil {
			return st, err
		}
	}
	armed, err := s.Store.ArmedAlerts(ctx, b.OrgID, b.Money)
	if err != nil {
		return st, err
	}
	var errs []error
	for _, sub := range armed {
		sent, err := s.alert(ctx, sub)
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

// alert runs the claim / send / disarm protocol for one subscription that
// looked armed and below its threshold. sent reports a completed alert.
func (s *Service) alert(ctx context.Context, sub Subscription) (sent bool, err error) {
	log := s.Log.With("orgId", sub.OrgID, "userId", sub.UserID)
	now := s.Now()
	leaseID, err := newLeaseID()
	if err != nil {
		return false, err
	}
	ok, err := s.Store.ClaimAlert(ctx, sub.OrgID, sub.UserID, sub.Rule, leaseID, now, now.Add(s.lease()))
	if err != nil || !ok {
		return false, err // someone else has it, or it changed: not ours
	}
	release := func(done []string) {
		if _, err := s.Store.ReleaseAlert(context.WithoutCancel(ctx), sub.OrgID, sub.UserID, leaseID, done); err != nil {
			log.ErrorContext(ctx, "billing alert lease not released", "error", err)
		}
	}
	// Judge on fresh data now that the subscription is ours: the balance
	// and the member's current role may have changed since the query.
	b, err := s.Store.GetBalance(ctx, sub.OrgID)
	if err != nil {
		release(sub.Sent)
		return false, err
	}
	if !Below(b.Money, sub.Settings.Threshold) {
		// Back at or above the threshold: the crossing a partial send
		// belonged to is over, and the next one starts with every channel.
		release(nil)
		return false, nil
	}
	u, err := s.Users.GetUser(ctx, sub.UserID)
	if errors.Is(err, account.ErrNotFound) {
		log.InfoContext(ctx, "billing alert disabled: user is gone")
		return false, s.Store.DisableAlert(ctx, sub.OrgID, sub.UserID)
	}
	if err != nil {
		release(sub.Sent)
		return false, err
	}
	if m, ok := u.Orgs[sub.OrgID]; !ok || !CanManage(m.Role) {
		log.InfoContext(ctx, "billing alert disabled: member no longer has the billing permission")
		return false, s.Store.DisableAlert(ctx, sub.OrgID, sub.UserID)
	}

	var allowed func(string) (bool, error)
	if s.Allowed != nil {
		allowed = func(ch string) (bool, error) { return s.Allowed(ctx, u, ch) }
	}
	done, failed := s.sendAlert(ctx, log, u, sub, b.Money, allowed)
	if len(failed) > 0 {
		release(done)
		return false, errors.Join(failed...)
	}
	ok, err = s.Store.DisarmAlert(ctx, sub.OrgID, sub.UserID, leaseID)
	if err != nil {
		return true, err
	}
	if !ok {
		log.WarnContext(ctx, "billing alert lease lost before disarm")
		return true, nil
	}
	// A balance that rose while we were sending re-arms at once: the rise
	// may have been evaluated before the disarm was visible.
	if nb, err := s.Store.GetBalance(ctx, sub.OrgID); err == nil && !Below(nb.Money, sub.Settings.Threshold) {
		if _, err := s.Store.RearmAlert(ctx, sub.OrgID, sub.UserID, sub.Rule); err != nil {
			return true, err
		}
	}
	return true, nil
}

// sendAlert sends sub's alert about balance to u on each of its channels
// not already in sub.Sent. allowed (nil: every channel) says whether the
// member's notification preferences let a channel through; a channel they
// refuse counts as done. It returns the channels done and the failures.
func (s *Service) sendAlert(ctx context.Context, log *slog.Logger, u account.User, sub Subscription, balance Money, allowed func(channel string) (bool, error)) ([]string, []error) {
	done := slices.Clone(sub.Sent)
	var failed []error
	for _, ch := range sub.Settings.Channels {
		if slices.Contains(done, ch) {
			continue
		}
		if allowed != nil {
			ok, err := allowed(ch)
			if err != nil {
				failed = append(failed, fmt.Errorf("preferences: %w", err))
				continue
			}
			if !ok {
				log.InfoContext(ctx, "billing alert channel skipped by notification preferences", "channel", ch)
				done = append(done, ch)
				continue
			}
		}
		if err := s.send(ctx, u, ch, balance, sub.Settings.Threshold); err != nil {
			log.ErrorContext(ctx, "billing alert send failed", "channel", ch, "error", err)
			failed = append(failed, fmt.Errorf("send %s: %w", ch, err))
			continue
		}
		log.InfoContext(ctx, "billing alert sent", "channel", ch)
		done = append(done, ch)
	}
	return done, failed
}

// send delivers one channel and counts it.
func (s *Service) send(ctx context.Context, u account.User, channel string, balance, threshold Money) error {
	if channel == ChannelSMS && (u.Phone == "" || !u.PhoneVerified) {
		return nil // nothing to send to: the channel is skipped, not retried
	}
	// Every send ends well inside the lease (two channels included), so a
	// stalled send cannot outlive it and be claimed, and sent, again.
	ctx, cancel := context.WithTimeout(ctx, s.lease()/4)
	defer cancel()
	err := s.deliver(ctx, u, channel, balance, threshold)
	if err == nil {
		metrics.Inc(ctx, s.Metrics, metrics.AlertsSent, map[string]string{"channel": channel})
	}
	return err
}

// deliver renders and sends one channel.
func (s *Service) deliver(ctx context.Context, u account.User, channel string, balance, threshold Money) error {
	data := messageData(u, s.AppName, balance, threshold)
	switch channel {
	case ChannelEmail:
		e, err := lowCreditEmail.Render(u.Language, data)
		if err != nil {
			return err
		}
		e.To = u.Email
		return s.Mailer.SendEmail(ctx, e)
	case ChannelSMS:
		m, err := lowCreditSMS.SMS(u.Language, data)
		if err != nil {
			return err
		}
		return s.Texter.SendSMS(ctx, u.Phone, m)
	}
	return fmt.Errorf("unknown channel %q", channel)
}

// Changed re-evaluates one member's subscription right after its settings
// changed, so a new threshold above the balance alerts at once. It also
// marks the organization low so the schedule retries a failed send.
func (s *Service) Changed(ctx context.Context, sub Subscription) error {
	if !sub.Settings.Enabled {
		return nil
	}
	b, err := s.Store.GetBalance(ctx, sub.OrgID)
	if errors.Is(err, account.ErrNotFound) {
		return nil // no balance yet: the first event will evaluate
	}
	if err != nil {
		return err
	}
	if !Below(b.Money, sub.Settings.Threshold) {
		return nil
	}
	if !b.Low {
		if err := s.Store.MarkBalanceLow(ctx, sub.OrgID, b.ComputedAt, true); err != nil {
			return err
		}
	}
	if !sub.Armed {
		return nil
	}
	_, err = s.alert(ctx, sub)
	return err
}

func newLeaseID() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("lease id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
