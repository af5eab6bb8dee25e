package billing

import (
	"context"
	"errors"
	"slices"

	"github.com/example/myprofile/shared/account"
)

// DefaultCurrency is shown for a member who never set an alert.
const DefaultCurrency = "USD"

// Errors of the alert settings, matched with errors.Is.
var (
	// ErrNoOrganization: the user is in no organization, so has no alert.
	ErrNoOrganization = account.Errorf(account.CodeNotFound, "You are not a member of any organization.")
	// ErrCannotManage: the member's role may not set a billing alert.
	ErrCannotManage = account.Errorf(account.CodeForbidden, "Only members with the billing permission (owner, admin) can set a billing alert.")
	// ErrAlertBusy: concurrent changes of the same alert won every retry.
	ErrAlertBusy = account.Errorf(account.CodeConflict, "The billing alert is being changed by another request; retry.")
)

// Alert returns u's billing alert settings in the organization orgID (the
// defaults, disabled, when never set); ErrNoOrganization when orgID is "".
func (s *Service) Alert(ctx context.Context, u account.User, orgID string) (Settings, error) {
	if orgID == "" {
		return Settings{}, ErrNoOrganization
	}
	sub, err := s.Store.GetSubscription(ctx, orgID, u.ID)
	switch {
	case errors.Is(err, account.ErrNotFound):
		return defaultSettings(), nil
	case err != nil:
		return Settings{}, account.Internal(err)
	}
	return sub.Settings, nil
}

func defaultSettings() Settings {
	return Settings{Enabled: false, Threshold: Money{Amount: 0, Currency: DefaultCurrency}, Channels: []string{ChannelEmail}}
}

// MayManageAlert returns ErrCannotManage unless a member with membership m
// of orgID may set a billing alert there (owner, admin).
func MayManageAlert(orgID string, m account.Membership) error {
	if orgID == "" || !CanManage(m.Role) {
		return ErrCannotManage
	}
	return nil
}

// SetAlert validates and stores u's billing alert in orgID (where u's
// membership is m) and evaluates it at once: a threshold above the current
// balance alerts now. Changing only the channels keeps a crossing already
// alerted as alerted. ErrCannotManage for a role without the billing
// permission, ErrAlertBusy when concurrent changes won every retry.
func (s *Service) SetAlert(ctx context.Context, u account.User, orgID string, m account.Membership, in Settings) (Settings, error) {
	if err := MayManageAlert(orgID, m); err != nil {
		return Settings{}, err
	}
	next, err := Validate(in, u)
	if err != nil {
		return Settings{}, err
	}
	var sub Subscription
	for attempt := 0; ; attempt++ {
		old, err := s.Store.GetSubscription(ctx, orgID, u.ID)
		if err != nil && !errors.Is(err, account.ErrNotFound) {
			return Settings{}, account.Internal(err)
		}
		sub = Subscription{OrgID: orgID, UserID: u.ID, Settings: next, Version: old.Version + 1, Rule: old.Rule + 1, Armed: true}
		// Same rule (only the channels change): a crossing already alerted
		// stays alerted.
		newRule := err != nil || !sameRule(old.Settings, next)
		if !newRule {
			sub.Rule, sub.Armed, sub.Sent = old.Rule, old.Armed, old.Sent
		}
		err = s.Store.SaveSubscription(ctx, sub, old.Version, newRule)
		if err == nil {
			break
		}
		if errors.Is(err, account.ErrConflict) && attempt < 2 {
			continue
		}
		if errors.Is(err, account.ErrConflict) {
			return Settings{}, ErrAlertBusy
		}
		return Settings{}, account.Internal(err)
	}
	// A failed send is not the caller's error: the alert stays armed and
	// the scheduled run retries it.
	if err := s.Changed(ctx, sub); err != nil {
		s.Log.ErrorContext(ctx, "billing alert evaluation after change failed", "orgId", orgID, "userId", u.ID, "error", err)
	}
	return sub.Settings, nil
}

// sameRule reports whether two settings alert on the same crossing.
func sameRule(a, b Settings) bool {
	return a.Enabled == b.Enabled && a.Threshold == b.Threshold
}

// Validate checks settings for a member and returns them normalised
// (channels in a fixed order). SMS needs a verified phone.
func Validate(in Settings, u account.User) (Settings, error) {
	var v account.Validation
	if in.Threshold.Amount < 0 || in.Threshold.Amount > MaxThreshold {
		v.Add("threshold.amount", "must be an integer amount in minor units between 0 and 10^15")
	}
	if !ValidCurrency(in.Threshold.Currency) {
		v.Add("threshold.currency", "must be an ISO 4217 currency code such as USD")
	}
	out := Settings{Enabled: in.Enabled, Threshold: in.Threshold, Channels: []string{}}
	for i, ch := range in.Channels {
		if ch != ChannelEmail && ch != ChannelSMS {
			v.Add("channels", "channels are email and sms")
			break
		}
		if slices.Contains(in.Channels[:i], ch) {
			v.Add("channels", "a channel is listed twice")
			break
		}
	}
	for _, ch := range []string{ChannelEmail, ChannelSMS} {
		if slices.Contains(in.Channels, ch) {
			out.Channels = append(out.Channels, ch)
		}
	}
	if in.Enabled && len(in.Channels) == 0 {
		v.Add("channels", "choose at least one channel")
	}
	if slices.Contains(in.Channels, ChannelSMS) && (u.Phone == "" || !u.PhoneVerified) {
		v.Add("channels", "sms needs a verified phone number")
	}
	if err := v.Err(); err != nil {
		return Settings{}, err
	}
	return out, nil
}
