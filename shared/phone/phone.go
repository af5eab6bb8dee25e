// Package phone parses and formats telephone numbers with libphonenumber
// (github.com/nyaruka/phonenumbers): numbers are stored in E.164 and shown
// in national or international format.
package phone

import (
	"errors"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/example/myprofile/shared/account"
)

// ErrInvalid reports a number that cannot be parsed or is not a valid
// number for its region.
var ErrInvalid = errors.New("phone: not a valid phone number")

// Number is a parsed number in its usual formats.
type Number struct {
	E164          string `json:"e164"`          // +34600111222: the stored form
	National      string `json:"national"`      // 600 11 12 22
	International string `json:"international"` // +34 600 11 12 22
	Region        string `json:"region"`        // ES
}

// Parse reads a number written with a country code ("+34 600 111 222",
// "0034...") or, when defaultRegion (ISO 3166-1 alpha-2) is given, in that
// region's national format. The number must be valid, not just plausible.
func Parse(input, defaultRegion string) (Number, error) {
	input = strings.TrimSpace(input)
	if input == "" || len(input) > 40 {
		return Number{}, ErrInvalid
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region == "" {
		region = "ZZ" // unknown: only numbers with a country code parse
	}
	n, err := phonenumbers.Parse(input, region)
	if err != nil {
		return Number{}, ErrInvalid
	}
	if !phonenumbers.IsValidNumber(n) {
		return Number{}, ErrInvalid
	}
	return Number{
		E164:          phonenumbers.Format(n, phonenumbers.E164),
		National:      phonenumbers.Format(n, phonenumbers.NATIONAL),
		International: phonenumbers.Format(n, phonenumbers.INTERNATIONAL),
		Region:        phonenumbers.GetRegionCodeForNumber(n),
	}, nil
}

// Format formats a stored E.164 number.
func Format(e164 string) (Number, error) {
	if !strings.HasPrefix(e164, "+") {
		return Number{}, ErrInvalid
	}
	return Parse(e164, "")
}

// FillFormats stores u's phone in its display formats (PhoneNational,
// PhoneInternational) when the record has a phone but not them: records
// verified before the formats were stored with the number. Package basic
// shows the stored formats without parsing.
func FillFormats(u *account.User) {
	if u.Phone == "" || (u.PhoneNational != "" && u.PhoneInternational != "") {
		return
	}
	if n, err := Format(u.Phone); err == nil {
		u.PhoneNational, u.PhoneInternational = n.National, n.International
	}
}
