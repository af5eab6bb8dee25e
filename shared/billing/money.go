package billing

import (
	"strings"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Locale returns the formatting locale of a user: their language, with
// their region when they set one ("es" + "MX" -> es-MX).
func Locale(lang, region string) language.Tag {
	t := language.Make(lang)
	if region == "" {
		return t
	}
	if r, err := language.ParseRegion(region); err == nil {
		if withRegion, err := language.Compose(t, r); err == nil {
			return withRegion
		}
	}
	return t
}

// symbolAfter lists languages whose CLDR currency pattern puts the symbol
// after the number ("1.234,56 €"); Spanish in the Americas puts it before.
var symbolAfter = map[string]bool{"es": true, "fr": true, "de": true, "it": true, "pt": false}

var spanishSymbolBefore = map[string]bool{"MX": true, "US": true, "419": true, "PR": true, "DO": true,
	"GT": true, "HN": true, "NI": true, "PA": true, "PE": true, "SV": true, "CU": true}

// FormatMoney formats an amount in minor units for a locale: the
// currency's standard decimals, the locale's separators and symbol
// ("$40.00" in en-US, "40,00 US$" in es-ES, "$40.00" for MXN in es-MX).
func FormatMoney(m Money, tag language.Tag) string {
	cur, err := currency.ParseISO(m.Currency)
	if err != nil {
		return m.String()
	}
	scale, _ := currency.Standard.Rounding(cur)
	amount := m.Amount
	neg := amount < 0
	if neg {
		amount = -amount
	}
	v := float64(amount)
	for range scale {
		v /= 10
	}
	p := message.NewPrinter(tag)
	num := p.Sprint(number.Decimal(v, number.Scale(scale)))
	sym := strings.TrimSpace(p.Sprint(currency.Symbol(cur)))
	base, _ := tag.Base()
	region, _ := tag.Region()
	after := symbolAfter[base.String()]
	if base.String() == "es" && spanishSymbolBefore[region.String()] {
		after = false
	}
	sign := ""
	if neg {
		sign = "-"
	}
	if after {
		return sign + num + "\u00a0" + sym
	}
	return sign + sym + num
}
