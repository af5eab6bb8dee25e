package billing

import (
	"errors"
	"net/http"
	"slices"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/sessions"
)

// DefaultCurrency is shown for a member who never set an alert.
const DefaultCurrency = "USD"

// Routes are the billing-alert routes, served by the profile function.
// require is the session middleware (sessions.Service.Require).
func (s *Service) Routes(require func(http.Handler) http.Handler) httpapi.Routes {
	return httpapi.Routes{
		"GET /v1/me/billing-alert": require(httpapi.Handle(s.getAlert)),
		"PUT /v1/me/billing-alert": require(httpapi.Handle(s.putAlert)),
	}
}

func (s *Service) getAlert(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	orgID, _, err := sessions.CurrentOrg(r, p.User)
	if err != nil {
		return err
	}
	if orgID == "" {
		return account.Errorf(account.CodeNotFound, "You are not a member of any organization.")
	}
	sub, err := s.Store.GetSubscription(r.Context(), orgID, p.User.ID)
	switch {
	case errors.Is(err, account.ErrNotFound):
		httpapi.WriteJSON(w, http.StatusOK, defaultSettings())
		return nil
	case err != nil:
		return account.Internal(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, sub.Settings)
	return nil
}

func defaultSettings() Settings {
	return Settings{Enabled: false, Threshold: Money{Amount: 0, Currency: DefaultCurrency}, Channels: []string{ChannelEmail}}
}

func (s *Service) putAlert(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	u := p.User
	orgID, m, err := sessions.CurrentOrg(r, u)
	if err != nil {
		return err
	}
	if orgID == "" || !CanManage(m.Role) {
		return account.Errorf(account.CodeForbidden, "Only members with the billing permission (owner, admin) can set a billing alert.")
	}
	var in Settings
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	next, err := Validate(in, u)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var sub Subscription
	for attempt := 0; ; attempt++ {
		old, err := s.Store.GetSubscription(ctx, orgID, u.ID)
		if err != nil && !errors.Is(err, account.ErrNotFound) {
			return account.Internal(err)
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
			return account.Errorf(account.CodeConflict, "The billing alert is being changed by another request; retry.")
		}
		return account.Internal(err)
	}
	// Re-evaluate now: a threshold above the current balance alerts at
	// once. A failed send is not the caller's error: the alert stays armed
	// and the scheduled run retries it.
	if err := s.Changed(ctx, sub); err != nil {
		s.Log.ErrorContext(ctx, "billing alert evaluation after change failed", "orgId", orgID, "userId", u.ID, "error", err)
	}
	httpapi.WriteJSON(w, http.StatusOK, sub.Settings)
	return nil
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
