package libphone

import (
	"errors"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/phone"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in, region string
		want             phone.Number
		err              error
	}{
		{name: "international Spanish mobile", in: "+34 600 11 12 22", want: phone.Number{E164: "+34600111222", National: "600 11 12 22", International: "+34 600 11 12 22", Region: "ES", Type: phone.TypeMobile}},
		{name: "national number with region", in: "(201) 555-0123", region: "us", want: phone.Number{E164: "+12015550123", National: "(201) 555-0123", International: "+1 201-555-0123", Region: "US", Type: phone.TypeFixedLineOrMobile}},
		{name: "00 prefix with region", in: "0034600111222", region: "ES", want: phone.Number{E164: "+34600111222", National: "600 11 12 22", International: "+34 600 11 12 22", Region: "ES", Type: phone.TypeMobile}},
		{name: "national number without region is refused", in: "600111222", err: phone.ErrInvalid},
		{name: "too short", in: "+34 600", err: phone.ErrInvalid},
		{name: "letters", in: "call me", region: "ES", err: phone.ErrInvalid},
		{name: "empty", in: "  ", err: phone.ErrInvalid},
		{name: "overlong", in: "+3460011122260011122260011122260011122260011122", err: phone.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in, tc.region)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestFormatNeedsE164(t *testing.T) {
	if _, err := Format("600111222"); !errors.Is(err, phone.ErrInvalid) {
		t.Errorf("err = %v, want ErrInvalid", err)
	}
	n, err := Format("+34600111222")
	if err != nil || n.National != "600 11 12 22" {
		t.Errorf("got %+v, %v", n, err)
	}
}

// Complete stores the formats, type and country of a record verified
// before they were stored with the number, and leaves a complete one alone.
func TestComplete(t *testing.T) {
	u := account.User{Phone: "+34806123456", PhoneVerified: true}
	Complete(&u)
	if u.PhoneType != phone.TypePremiumRate || u.PhoneCountry != "ES" || u.PhoneInternational != "+34 806 12 34 56" {
		t.Errorf("completed record: %+v", phone.Stored(u))
	}
	done := account.User{Phone: "+34600111222", PhoneNational: "x", PhoneInternational: "y", PhoneType: phone.TypeMobile, PhoneCountry: "ES"}
	Complete(&done)
	if done.PhoneNational != "x" {
		t.Errorf("a complete record was changed: %+v", phone.Stored(done))
	}
}

// The calling-code table of package phone (its E.164 shape check, no
// parser linked) is libphonenumber's, region by region.
func TestCallingCodesMatchLibphonenumber(t *testing.T) {
	for region := range phonenumbers.GetSupportedRegions() {
		want := phonenumbers.GetCountryCodeForRegion(region)
		got, ok := phone.CallingCode(region)
		if !ok || got != itoa(want) {
			t.Errorf("CallingCode(%s) = %q, %v; libphonenumber says %d", region, got, ok, want)
		}
	}
	// Every number libphonenumber parses has a shape phone.CleanE164 accepts.
	for _, n := range []string{"+34600111222", "+12015550123", "+881612345678", "+6834002", "+390612345678", "+80012345678"} {
		p, err := Format(n)
		if err != nil {
			t.Fatalf("Format(%s): %v", n, err)
		}
		if got, err := phone.CleanE164(p.International, ""); err != nil || got != n {
			t.Errorf("CleanE164(%q) = %q, %v; want %s", p.International, got, err, n)
		}
		if p.Region != phone.NonGeographic {
			if got, err := phone.CleanE164(p.National, p.Region); err != nil || got != n {
				t.Errorf("CleanE164(%q, %s) = %q, %v; want %s", p.National, p.Region, got, err, n)
			}
		}
	}
}

func itoa(n int) string {
	b := []byte{}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
