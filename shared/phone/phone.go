// Package phone holds what every function needs about telephone numbers
// without linking a parser: the number as stored with a verified phone
// (E.164, display formats, type and country, all computed once by
// package libphone when the number is verified), the SMS guard that reads
// those stored values, and an E.164 shape check for numbers that are only
// shown (a meeting location's phone).
//
// Package libphone parses with libphonenumber's full metadata
// (github.com/nyaruka/phonenumbers, about 8 ms and 4 MB at start-up): only
// the phone change function links it.
package phone

import (
	"errors"
	"slices"
	"strings"

	"github.com/example/myprofile/shared/account"
)

// ErrInvalid reports a number that cannot be parsed or is not a valid
// number for its region.
var ErrInvalid = errors.New("phone: not a valid phone number")

// Number types, as libphonenumber names them (PhoneNumberType), stored
// with a verified phone (account.User.PhoneType).
const (
	TypeFixedLine         = "fixed_line"
	TypeMobile            = "mobile"
	TypeFixedLineOrMobile = "fixed_line_or_mobile" // countries such as the US do not tell them apart
	TypeTollFree          = "toll_free"
	TypePremiumRate       = "premium_rate"
	TypeSharedCost        = "shared_cost"
	TypeVoIP              = "voip"
	TypePersonalNumber    = "personal_number"
	TypePager             = "pager"
	TypeUAN               = "uan"
	TypeVoicemail         = "voicemail"
	TypeUnknown           = "unknown"
)

// NonGeographic is the region of a number whose country calling code is
// not a country's (satellite +881, international services +800, ...).
const NonGeographic = "001"

// Number is a number in its usual formats, with what it is.
type Number struct {
	E164          string `json:"e164"`          // +34600111222: the stored form
	National      string `json:"national"`      // 600 11 12 22
	International string `json:"international"` // +34 600 11 12 22
	Region        string `json:"region"`        // ES (NonGeographic for +881...)
	Type          string `json:"type"`          // TypeMobile, ...
}

// Stored is u's phone as stored with it when it was verified. A record
// verified before the type was stored has an empty Type (CheckSMS refuses
// it with ErrTypeUnknown), one verified before the formats were stored
// empty formats.
func Stored(u account.User) Number {
	return Number{E164: u.Phone, National: u.PhoneNational, International: u.PhoneInternational, Region: u.PhoneCountry, Type: u.PhoneType}
}

// Store writes n onto u as its phone (not marking it verified).
func Store(u *account.User, n Number) {
	u.Phone, u.PhoneNational, u.PhoneInternational = n.E164, n.National, n.International
	u.PhoneCountry, u.PhoneType = n.Region, n.Type
}

// maxDigits is E.164's limit on the digits of a number, country code
// included; minDigits is below the shortest numbers in use (Niue, +683
// 4002: 7 digits).
const (
	maxDigits = 15
	minDigits = 7
)

// CleanE164 checks the shape of a number to show (not to text a code to):
// written with its country code ("+34 600 111 222", "0034 600111222"),
// or, when region (ISO 3166-1 alpha-2) is known, in that country's
// national form, to which its calling code is added (a leading trunk 0 is
// dropped, except in Italy, San Marino and the Vatican, which keep it; a
// leading 1 of an 11-digit North American number too). Spaces, dots,
// dashes, slashes and parentheses are ignored. The result is E.164: a
// known calling code and 7 to 15 digits in all. It does not say whether
// the number is assigned: only libphone's metadata knows.
func CleanE164(input, region string) (string, error) {
	s := strings.TrimSpace(input)
	if s == "" || len(s) > 40 {
		return "", ErrInvalid
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case strings.ContainsRune(" .-/()\u00a0", r):
		default:
			return "", ErrInvalid
		}
	}
	n := b.String()
	switch {
	case strings.HasPrefix(n, "+"):
	case strings.HasPrefix(n, "00"):
		n = "+" + n[2:]
	default:
		code, ok := CallingCode(region)
		if !ok {
			return "", ErrInvalid
		}
		switch {
		case code == "1" && len(n) == 11 && n[0] == '1':
			n = n[1:]
		case n[0] == '0' && !slices.Contains([]string{"IT", "SM", "VA"}, strings.ToUpper(strings.TrimSpace(region))):
			n = n[1:]
		}
		n = "+" + code + n
	}
	digits := n[1:]
	if len(digits) < minDigits || len(digits) > maxDigits || strings.Contains(digits, "+") || !knownCallingCode(digits) {
		return "", ErrInvalid
	}
	return n, nil
}

// knownCallingCode reports whether digits start with a country calling
// code in use (1 to 3 digits; none is a prefix of another).
func knownCallingCode(digits string) bool {
	for l := 1; l <= 3 && l < len(digits); l++ {
		p := digits[:l]
		if slices.ContainsFunc(callingCodes[:], func(c regionCode) bool { return c.code == p }) {
			return true
		}
	}
	return false
}

// CallingCode is the country calling code of region (ISO 3166-1 alpha-2,
// any case), without "+".
func CallingCode(region string) (string, bool) {
	region = strings.ToUpper(strings.TrimSpace(region))
	i, ok := slices.BinarySearchFunc(callingCodes[:], region, func(c regionCode, r string) int { return strings.Compare(c.region, r) })
	if !ok {
		return "", false
	}
	return callingCodes[i].code, true
}
