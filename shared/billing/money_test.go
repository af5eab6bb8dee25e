package billing_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/myprofile/shared/billing"
	"github.com/example/myprofile/shared/catalog"
)

func TestFormatMoney(t *testing.T) {
	cases := []struct {
		name, lang, region string
		m                  billing.Money
		want               string
	}{
		{"dollars in English", "en", "", billing.Money{Amount: 4000, Currency: "USD"}, "$40.00"},
		{"thousands in English", "en-US", "", billing.Money{Amount: 1234567, Currency: "USD"}, "$12,345.67"},
		{"euros in Spain", "es", "ES", billing.Money{Amount: 1234567, Currency: "EUR"}, "12.345,67\u00a0€"},
		{"dollars in Spain", "es-ES", "", billing.Money{Amount: 4000, Currency: "USD"}, "40,00\u00a0US$"},
		{"pesos in Mexico", "es", "MX", billing.Money{Amount: 4000, Currency: "MXN"}, "$40.00"},
		{"yen has no decimals", "en", "", billing.Money{Amount: 500, Currency: "JPY"}, "¥500"},
		{"negative balance", "en", "", billing.Money{Amount: -250, Currency: "USD"}, "-$2.50"},
		// Amounts are ISO 4217 minor units; CLDR only decides the decimals shown.
		{"Colombian pesos: centavos, shown without", "en", "", billing.Money{Amount: 400000, Currency: "COP"}, "COP4,000"},
		{"a fraction is never hidden", "en", "", billing.Money{Amount: 400050, Currency: "COP"}, "COP4,000.50"},
		{"rupiah: sen, shown without", "en", "", billing.Money{Amount: 1500000, Currency: "IDR"}, "IDR15,000"},
		{"Iraqi dinar: fils", "en", "", billing.Money{Amount: 4000000, Currency: "IQD"}, "IQD4,000"},
		{"Kuwaiti dinar: three decimals", "en", "", billing.Money{Amount: 12345, Currency: "KWD"}, "KWD12.345"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := billing.FormatMoney(c.m, billing.Locale(c.lang, c.region)); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestParseBalanceEvent(t *testing.T) {
	cases := []struct {
		name   string
		detail string
		ok     bool
	}{
		{"valid", `{"organizationId":"o1","balance":{"amount":4000,"currency":"USD"},"computedAt":"2026-11-24T12:00:00Z"}`, true},
		{"negative balance is valid", `{"organizationId":"o1","balance":{"amount":-1,"currency":"EUR"},"computedAt":"2026-11-24T12:00:00Z"}`, true},
		{"missing organization", `{"balance":{"amount":4000,"currency":"USD"},"computedAt":"2026-11-24T12:00:00Z"}`, false},
		{"unknown currency", `{"organizationId":"o1","balance":{"amount":4000,"currency":"ZZZ"},"computedAt":"2026-11-24T12:00:00Z"}`, false},
		{"missing computedAt", `{"organizationId":"o1","balance":{"amount":4000,"currency":"USD"}}`, false},
		{"fractional amount", `{"organizationId":"o1","balance":{"amount":40.5,"currency":"USD"},"computedAt":"2026-11-24T12:00:00Z"}`, false},
		{"not an object", `[1]`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := billing.ParseBalanceEvent([]byte(c.detail))
			if (err == nil) != c.ok {
				t.Errorf("err = %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func TestSampleEvents(t *testing.T) {
	t.Run("balance-changed.json is a valid Balance Changed event", func(t *testing.T) {
		raw, err := os.ReadFile("../../events/balance-changed.json")
		if err != nil {
			t.Fatal(err)
		}
		// `make event` fills the placeholders (infra/sample.Fill).
		raw = []byte(strings.NewReplacer("{{organization.id}}", "org_123", "{{now}}", "2026-11-24T11:59:58.123Z").Replace(string(raw)))
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Source != catalog.BillingSource || ev.DetailType != billing.DetailType {
			t.Errorf("source %q detail-type %q, want %q %q", ev.Source, ev.DetailType, catalog.BillingSource, billing.DetailType)
		}
		be, err := billing.ParseBalanceEvent(ev.Detail)
		if err != nil {
			t.Fatal(err)
		}
		if be.Balance != (billing.Money{Amount: 4000, Currency: "USD"}) || be.ComputedAt.IsZero() {
			t.Errorf("parsed %+v", be)
		}
	})
	t.Run("scheduled-low-credit.json is a scheduled event", func(t *testing.T) {
		raw, err := os.ReadFile("../../events/scheduled-low-credit.json")
		if err != nil {
			t.Fatal(err)
		}
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Source != "aws.events" || ev.DetailType != "Scheduled Event" {
			t.Errorf("got %q %q", ev.Source, ev.DetailType)
		}
	})
}
