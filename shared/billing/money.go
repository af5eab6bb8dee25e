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
	minor := MinorUnits(m.Currency)
	amount := m.Amount
	neg := amount < 0
	if neg {
		amount = -amount
	}
	v := float64(amount)
	for range minor {
		v /= 10
	}
	// Shown with CLDR's usual decimals (none for COP or IDR, whose minor
	// unit is out of use), unless that would hide a fraction the amount has.
	scale, _ := currency.Standard.Rounding(cur)
	if scale < minor && amount%pow10(minor-scale) != 0 {
		scale = minor
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

// MinorUnits is the ISO 4217 exponent of a currency: the amounts of the
// API are integers of 10^-MinorUnits of it (cents for USD, yen for JPY,
// fils for KWD). CLDR's display decimals differ for some (COP, IDR, IQD),
// so they are not used for this.
func MinorUnits(code string) int {
	if n, ok := iso4217Exponents[code]; ok {
		return n
	}
	return 2
}

// iso4217Exponents are the ISO 4217 currencies whose minor unit is not
// 1/100 (ISO 4217 list one, as browsers' Intl data carries it).
var iso4217Exponents = map[string]int{
	"BHD": 3, "BIF": 0, "CLF": 4, "CLP": 0, "DJF": 0, "GNF": 0, "IQD": 3, "ISK": 0, "JOD": 3, "JPY": 0,
	"KMF": 0, "KRW": 0, "KWD": 3, "LYD": 3, "OMR": 3, "PYG": 0, "RWF": 0, "TND": 3, "UGX": 0, "UYI": 0,
	"UYW": 4, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}
