package billing

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/currency"
)

// DetailType is the EventBridge detail-type of balance events (source
// catalog.BillingSource, "platform.billing").
const DetailType = "Balance Changed"

// BalanceEvent is the detail of a "Balance Changed" event the billing
// system publishes (sample: events/balance-changed.json):
//
//	{"organizationId": "org_123", "balance": {"amount": 4000, "currency": "USD"},
//	 "computedAt": "2026-11-24T21:00:00Z"}
//
// amount is in minor units (cents), may be negative (overdraft);
// computedAt orders events: the latest computedAt wins, whatever order the
// events arrive in.
type BalanceEvent struct {
	OrganizationID string    `json:"organizationId"`
	Balance        Money     `json:"balance"`
	ComputedAt     time.Time `json:"computedAt"`
}

// ParseBalanceEvent decodes and validates an event's detail.
func ParseBalanceEvent(detail json.RawMessage) (BalanceEvent, error) {
	var ev BalanceEvent
	if err := json.Unmarshal(detail, &ev); err != nil {
		return BalanceEvent{}, fmt.Errorf("balance event: %w", err)
	}
	if _, err := ev.ToBalance(); err != nil {
		return BalanceEvent{}, err
	}
	return ev, nil
}

// ToBalance validates the event and returns the balance it carries.
func (ev BalanceEvent) ToBalance() (Balance, error) {
	var problems []string
	if strings.TrimSpace(ev.OrganizationID) == "" {
		problems = append(problems, "organizationId is required")
	}
	if !ValidCurrency(ev.Balance.Currency) {
		problems = append(problems, "balance.currency is not an ISO 4217 code")
	}
	if ev.ComputedAt.IsZero() {
		problems = append(problems, "computedAt is required")
	}
	if len(problems) > 0 {
		return Balance{}, fmt.Errorf("balance event: %s", strings.Join(problems, "; "))
	}
	return Balance{OrgID: ev.OrganizationID, Money: ev.Balance, ComputedAt: ev.ComputedAt.UTC()}, nil
}

// ValidCurrency reports whether c is an upper-case ISO 4217 code.
func ValidCurrency(c string) bool {
	if len(c) != 3 || strings.ToUpper(c) != c {
		return false
	}
	_, err := currency.ParseISO(c)
	return err == nil
}
