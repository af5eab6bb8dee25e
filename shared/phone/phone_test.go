package phone

import (
	"errors"
	"testing"
)

func TestCleanE164(t *testing.T) {
	tests := []struct {
		name, in, region, want string
		err                    error
	}{
		{name: "international", in: "+1 201-555-0123", want: "+12015550123"},
		{name: "00 prefix", in: "0034 600 11 12 22", want: "+34600111222"},
		{name: "national with the region's code", in: "600 11 12 22", region: "es", want: "+34600111222"},
		{name: "trunk 0 dropped", in: "020 7123 4567", region: "GB", want: "+442071234567"},
		{name: "Italy keeps its 0", in: "06 1234 5678", region: "IT", want: "+390612345678"},
		{name: "North American trunk 1", in: "1 (201) 555-0123", region: "US", want: "+12015550123"},
		{name: "national without region", in: "600111222", err: ErrInvalid},
		{name: "too short", in: "12", region: "ES", err: ErrInvalid},
		{name: "too long", in: "+3460011122260011122", err: ErrInvalid},
		{name: "letters", in: "call me", region: "ES", err: ErrInvalid},
		{name: "unknown calling code", in: "+999123456789", err: ErrInvalid},
		{name: "plus inside", in: "+34+600111222", err: ErrInvalid},
		{name: "empty", in: " ", err: ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CleanE164(tc.in, tc.region)
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Errorf("CleanE164(%q, %q) = %q, %v; want %q, %v", tc.in, tc.region, got, err, tc.want, tc.err)
			}
		})
	}
}

// CheckSMS reads the stored type and country: a phone verified before they
// were stored is refused (verify it again), not trusted.
func TestCheckSMSOnStoredValues(t *testing.T) {
	tests := []struct {
		name      string
		n         Number
		countries []string
		err       error
	}{
		{"mobile", Number{E164: "+34600111222", Region: "ES", Type: TypeMobile}, nil, nil},
		{"fixed line or mobile", Number{E164: "+14155550123", Region: "US", Type: TypeFixedLineOrMobile}, nil, nil},
		{"premium rate", Number{E164: "+34806123456", Region: "ES", Type: TypePremiumRate}, nil, ErrNotMobile},
		{"landline", Number{E164: "+34912345678", Region: "ES", Type: TypeFixedLine}, nil, ErrNotMobile},
		{"satellite typed mobile", Number{E164: "+881612345678", Region: NonGeographic, Type: TypeMobile}, nil, ErrNotMobile},
		{"verified before the type was stored", Number{E164: "+34600111222"}, nil, ErrTypeUnknown},
		{"type without country", Number{E164: "+34600111222", Type: TypeMobile}, nil, ErrTypeUnknown},
		{"no number", Number{Type: TypeMobile, Region: "ES"}, nil, ErrInvalid},
		{"allowed country", Number{E164: "+34600111222", Region: "ES", Type: TypeMobile}, []string{"es", "PT"}, nil},
		{"country not served", Number{E164: "+14155550123", Region: "US", Type: TypeFixedLineOrMobile}, []string{"ES"}, ErrCountryNotServed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckSMS(tc.n, tc.countries); !errors.Is(err, tc.err) {
				t.Errorf("CheckSMS(%+v) = %v, want %v", tc.n, err, tc.err)
			}
		})
	}
}

func TestSMSProblemForAnUnknownType(t *testing.T) {
	e := SMSProblem(ErrTypeUnknown, "phone")
	if e.Code != "validation_failed" || !errors.Is(e, ErrTypeUnknown) || len(e.Fields) != 1 || e.Fields[0].Field != "phone" {
		t.Errorf("got %+v", e)
	}
}
