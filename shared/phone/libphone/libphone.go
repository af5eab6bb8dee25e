// Package libphone parses and formats telephone numbers with
// libphonenumber's full metadata (github.com/nyaruka/phonenumbers): valid
// numbers only, with their display formats, type and country, which the
// phone change stores with the verified phone (phone.Store) so that no
// other function needs the parser. Its package initialization costs about
// 8 ms and 4 MB: only the phone function links it
// (TestFunctionsLinkOnlyTheirCapabilities).
package libphone

import (
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/phone"
)

// Parse reads a number written with a country code ("+34 600 111 222",
// "0034...") or, when defaultRegion (ISO 3166-1 alpha-2) is given, in that
// region's national format. The number must be valid, not just plausible.
// The error is phone.ErrInvalid.
func Parse(input, defaultRegion string) (phone.Number, error) {
	input = strings.TrimSpace(input)
	if input == "" || len(input) > 40 {
		return phone.Number{}, phone.ErrInvalid
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region == "" {
		region = "ZZ" // unknown: only numbers with a country code parse
	}
	n, err := phonenumbers.Parse(input, region)
	if err != nil {
		return phone.Number{}, phone.ErrInvalid
	}
	if !phonenumbers.IsValidNumber(n) {
		return phone.Number{}, phone.ErrInvalid
	}
	return phone.Number{
		E164:          phonenumbers.Format(n, phonenumbers.E164),
		National:      phonenumbers.Format(n, phonenumbers.NATIONAL),
		International: phonenumbers.Format(n, phonenumbers.INTERNATIONAL),
		Region:        phonenumbers.GetRegionCodeForNumber(n),
		Type:          typeName(phonenumbers.GetNumberType(n)),
	}, nil
}

// Parser is Parse as a value (verification.PhoneParser).
type Parser struct{}

// Parse is the package's Parse.
func (Parser) Parse(input, region string) (phone.Number, error) { return Parse(input, region) }

// Format parses a stored E.164 number.
func Format(e164 string) (phone.Number, error) {
	if !strings.HasPrefix(e164, "+") {
		return phone.Number{}, phone.ErrInvalid
	}
	return Parse(e164, "")
}

// Complete stores what is known of u's phone but missing from the record
// (display formats, type, country: records verified before they were
// stored with the number). It changes nothing when the phone is empty,
// complete or does not parse.
func Complete(u *account.User) {
	if u.Phone == "" || (u.PhoneNational != "" && u.PhoneInternational != "" && u.PhoneType != "" && u.PhoneCountry != "") {
		return
	}
	if n, err := Format(u.Phone); err == nil {
		phone.Store(u, n)
	}
}

// typeName is libphonenumber's number type as stored (phone.Type...).
func typeName(t phonenumbers.PhoneNumberType) string {
	switch t {
	case phonenumbers.FIXED_LINE:
		return phone.TypeFixedLine
	case phonenumbers.MOBILE:
		return phone.TypeMobile
	case phonenumbers.FIXED_LINE_OR_MOBILE:
		return phone.TypeFixedLineOrMobile
	case phonenumbers.TOLL_FREE:
		return phone.TypeTollFree
	case phonenumbers.PREMIUM_RATE:
		return phone.TypePremiumRate
	case phonenumbers.SHARED_COST:
		return phone.TypeSharedCost
	case phonenumbers.VOIP:
		return phone.TypeVoIP
	case phonenumbers.PERSONAL_NUMBER:
		return phone.TypePersonalNumber
	case phonenumbers.PAGER:
		return phone.TypePager
	case phonenumbers.UAN:
		return phone.TypeUAN
	case phonenumbers.VOICEMAIL:
		return phone.TypeVoicemail
	}
	return phone.TypeUnknown
}
