package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/prefs"
)

// Channels an alert can go out by.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// ErrStale is returned by Store.PutBalance when a balance computed at the
// same instant or later is already stored (a duplicate or out-of-order
// event); Balance then holds the stored one.
var ErrStale = errors.New("billing: stale balance")

// Money is an amount in minor units of an ISO 4217 currency.
type Money struct {
	Amount   int64  `json:"amount" dynamodbav:"amount"`
	Currency string `json:"currency" dynamodbav:"currency"`
}

// Balance is an organization's latest known balance.
type Balance struct {
	OrgID      string
	Money      Money
	ComputedAt time.Time
	// Low is true when the balance is below the highest enabled threshold
	// (same currency) of the organization's subscriptions: the scheduled
	// run evaluates exactly the organizations marked low.
	Low bool
}

// Settings is what a member chooses (the API body of /v1/me/billing-alert).
type Settings struct {
	Enabled   bool     `json:"enabled"`
	Threshold Money    `json:"threshold"`
	Channels  []string `json:"channels"`
}

// Subscription is one member's alert in one organization with its state.
type Subscription struct {
	OrgID    string
	UserID   string
	Settings Settings
	// Version advances on every settings change (optimistic concurrency of
	// PUT /v1/me/billing-alert).
	Version int64
	// Rule advances when the rule changes (enabled, threshold): a new rule
	// is a new crossing, armed afresh. Claims are conditioned on it so a
	// sender never acts on a rule that changed meanwhile.
	Rule int64
	// Armed: the next crossing below the threshold alerts.
	Armed bool
	// Sent lists channels already delivered for the current crossing (a
	// partial failure is retried only on the missing channels).
	Sent []string
	// LeaseID and LeaseUntil mark a sender at work (see Store.ClaimAlert).
	LeaseID    string
	LeaseUntil time.Time
}

// Store is the storage the alert capability needs.
type Store interface {
	// PutBalance stores b if no balance computed at the same instant or
	// later is stored (order-safe, idempotent); otherwise it returns
	// ErrStale and the stored balance.
	PutBalance(ctx context.Context, b Balance) (Balance, error)
	// GetBalance reads an organization's balance (strongly consistent);
	// account.ErrNotFound if none was ever received.
	GetBalance(ctx context.Context, orgID string) (Balance, error)
	// MarkBalanceLow sets or clears the low marker of the balance computed at
	// computedAt; it does nothing if a newer balance replaced it.
	MarkBalanceLow(ctx context.Context, orgID string, computedAt time.Time, low bool) error
	// LowBalanceOrgs returns the ids of the organizations marked low.
	LowBalanceOrgs(ctx context.Context) ([]string, error)

	// GetSubscription reads one subscription (strongly consistent);
	// account.ErrNotFound if the member never set one.
	GetSubscription(ctx context.Context, orgID, userID string) (Subscription, error)
	// SaveSubscription writes the settings if the stored version is still
	// expectVersion (0: none stored); s.Version must be expectVersion+1.
	// With newRule the subscription is armed afresh (s.Rule, any lease and
	// sent channels dropped); without it only the channels change and the
	// alert state is kept. account.ErrConflict if it changed meanwhile.
	SaveSubscription(ctx context.Context, s Subscription, expectVersion int64, newRule bool) error
	// ArmedAlerts returns the enabled, armed subscriptions of an organization
	// whose threshold, in the balance's currency, is above amount.
	ArmedAlerts(ctx context.Context, orgID string, m Money) ([]Subscription, error)
	// FiredAlerts returns the enabled, disarmed subscriptions of an organization
	// whose threshold, in the balance's currency, is at or below amount.
	FiredAlerts(ctx context.Context, orgID string, m Money) ([]Subscription, error)
	// RecoveredAlerts returns the enabled, armed subscriptions whose
	// threshold is at or below amount: still armed, but the balance is no
	// longer below them.
	RecoveredAlerts(ctx context.Context, orgID string, m Money) ([]Subscription, error)
	// ForgetSent clears the channels sent on an armed subscription at rule
	// that no sender holds; false if it changed or is leased.
	ForgetSent(ctx context.Context, orgID, userID string, rule int64) (bool, error)
	// AnyAlertAbove reports whether an enabled subscription (armed or not) has a
	// threshold in m's currency above m's amount.
	AnyAlertAbove(ctx context.Context, orgID string, m Money) (bool, error)
	// ClaimAlert takes the lease of an armed subscription at rule until
	// leaseUntil, if no other live lease holds it. false if it is not armed,
	// changed, or leased by another sender.
	ClaimAlert(ctx context.Context, orgID, userID string, rule int64, leaseID string, now, leaseUntil time.Time) (bool, error)
	// DisarmAlert ends the crossing: armed = false, lease released, conditioned
	// on holding the lease. false if the lease was lost.
	DisarmAlert(ctx context.Context, orgID, userID, leaseID string) (bool, error)
	// ReleaseAlert gives the lease back and records the channels already sent,
	// leaving the subscription armed. false if the lease was lost.
	ReleaseAlert(ctx context.Context, orgID, userID, leaseID string, sent []string) (bool, error)
	// RearmAlert sets armed = true on an enabled, disarmed subscription at rule.
	RearmAlert(ctx context.Context, orgID, userID string, rule int64) (bool, error)
	// DisableAlert turns a subscription off (the member lost the permission).
	DisableAlert(ctx context.Context, orgID, userID string) error

	// The scheduled run's requests (Service.Run): a few per organization,
	// one per alert sent.

	// OrgAlerts reads an organization's balance and every subscription in
	// one request; account.ErrNotFound if no balance was ever received.
	OrgAlerts(ctx context.Context, orgID string) (Balance, []Subscription, error)
	// Recipients reads the members' user records and notification
	// preferences (the defaults when none are stored), many per request; a
	// member whose user record is gone is absent from the map.
	Recipients(ctx context.Context, userIDs []string) (map[string]Recipient, error)
	// ClaimAlerts takes the lease of each subscription as ClaimAlert does,
	// in one request while the stored balance is still b; it returns the
	// subscriptions claimed (none when the balance changed).
	ClaimAlerts(ctx context.Context, b Balance, subs []Subscription, leaseID string, now, leaseUntil time.Time) ([]Subscription, error)
	// DisarmAlertAt is DisarmAlert while the stored balance is still b;
	// stale reports a changed balance (nothing written).
	DisarmAlertAt(ctx context.Context, b Balance, userID, leaseID string) (ok, stale bool, err error)
}

// Recipient is what an alert needs of a member.
type Recipient struct {
	User  account.User
	Prefs prefs.Preferences
}

// Users reads the current user record (role, language, verified phone).
type Users interface {
	// GetUser reads a user (strongly consistent); account.ErrNotFound if absent.
	GetUser(ctx context.Context, userID string) (account.User, error)
}

// CanManage reports whether a role carries the billing permission.
func CanManage(role string) bool { return role == account.RoleOwner || role == account.RoleAdmin }

// Below reports whether balance is under the threshold; different
// currencies never compare (the alert cannot judge them).
func Below(balance, threshold Money) bool {
	return balance.Currency == threshold.Currency && balance.Amount < threshold.Amount
}

// MaxThreshold is the largest threshold accepted, in minor units.
const MaxThreshold = 1_000_000_000_000_000 / 1000 // 10^15 minor units; fits the 19-digit index key

func (m Money) String() string { return fmt.Sprintf("%d %s", m.Amount, m.Currency) }
