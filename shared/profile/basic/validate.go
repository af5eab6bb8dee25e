package basic

import (
	"strings"
	"time"
	_ "time/tzdata" // Lambda's provided.al2023 has no zoneinfo; the time zones this package loads must load anyway
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// MaxNameLength is the longest first, last or display name, in characters.
const MaxNameLength = 100

// CleanName trims a name and checks it: 1 to 100 characters, valid UTF-8,
// no control or format characters. It returns the cleaned name or a message.
func CleanName(s string) (string, string) {
	if !utf8.ValidString(s) {
		return "", "must be valid UTF-8 text"
	}
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return "", "must not be empty"
	}
	if n > MaxNameLength {
		return "", "must be at most 100 characters"
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return "", "must not contain control characters"
		}
	}
	return s, ""
}

// CleanLanguage validates a BCP 47 tag and returns its canonical form.
func CleanLanguage(s string) (string, string) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 35 {
		return "", "must be a BCP 47 language tag such as en or es-MX"
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", "must be a BCP 47 language tag such as en or es-MX"
	}
	// The language must be written, not guessed: "und" and "und-ES"
	// name none (their base would only be a likely one).
	if base, conf := tag.Base(); conf != language.Exact || base.String() == "und" {
		return "", "must name a known language"
	}
	return tag.String(), ""
}

// CleanTimezone validates an IANA time zone name by loading it.
func CleanTimezone(s string) (string, string) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 || strings.Contains(s, "..") || strings.HasPrefix(s, "/") || strings.EqualFold(s, "local") {
		return "", "must be an IANA time zone such as Europe/Madrid"
	}
	if _, err := time.LoadLocation(s); err != nil {
		return "", "unknown time zone"
	}
	return s, ""
}

// CleanRegion validates an ISO 3166-1 alpha-2 country code (upper-cased):
// a code x/text knows as a country, in its canonical form (not UK for GB,
// not ZR for CD), with an ISO 3166-1 alpha-3 code, and not among the codes
// ISO only reserves (notReserved).
func CleanRegion(s string) (string, string) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return "", "must be an ISO 3166-1 alpha-2 code such as ES"
	}
	r, err := language.ParseRegion(s)
	if err != nil || !r.IsCountry() || r.IsPrivateUse() || r.Canonicalize().String() != s || r.ISO3() == "ZZZ" || reserved[s] {
		return "", "must be an assigned ISO 3166-1 alpha-2 country code"
	}
	return s, ""
}

// reserved are the codes x/text still treats as countries that ISO 3166-1
// does not assign: exceptionally reserved (AC, CP, DG, TA) and withdrawn,
// transitionally reserved (AN, CS, FQ, NT, PC, SU, YU).
var reserved = map[string]bool{
	"AC": true, "CP": true, "DG": true, "TA": true,
	"AN": true, "CS": true, "FQ": true, "NT": true, "PC": true, "SU": true, "YU": true,
}
