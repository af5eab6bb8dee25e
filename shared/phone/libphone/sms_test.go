package libphone

import (
	"errors"
	"testing"

	"github.com/example/myprofile/shared/phone"
)

// The numbers of issue 18: premium rate, landline and satellite numbers
// all received codes. The type and country libphone stores with a
// verified phone are what phone.CheckSMS reads.
func TestCheckSMS(t *testing.T) {
	tests := []struct {
		name, e164 string
		countries  []string
		err        error
	}{
		{name: "Spanish mobile", e164: "+34600111222"},
		{name: "US fixed-line-or-mobile", e164: "+14155550123"},
		{name: "Spanish premium rate 806", e164: "+34806123456", err: phone.ErrNotMobile},
		{name: "UK premium rate 909", e164: "+449098790000", err: phone.ErrNotMobile},
		{name: "satellite +881", e164: "+881612345678", err: phone.ErrNotMobile},
		{name: "Spanish landline", e164: "+34912345678", err: phone.ErrNotMobile},
		{name: "UK landline", e164: "+442071234567", err: phone.ErrNotMobile},
		{name: "not E.164", e164: "600111222", err: phone.ErrInvalid},
		{name: "invalid", e164: "+34 600", err: phone.ErrInvalid},
		{name: "allowed country", e164: "+34600111222", countries: []string{"es", "PT"}},
		{name: "country not in the allow-list", e164: "+14155550123", countries: []string{"ES", "PT"}, err: phone.ErrCountryNotServed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Format(tc.e164)
			if err != nil {
				if tc.err != phone.ErrInvalid { // an invalid number is never stored
					t.Fatalf("Format(%s): %v", tc.e164, err)
				}
				return
			}
			if err := phone.CheckSMS(n, tc.countries); !errors.Is(err, tc.err) {
				t.Errorf("CheckSMS(%s) = %v, want %v", tc.e164, err, tc.err)
			}
		})
	}
}
