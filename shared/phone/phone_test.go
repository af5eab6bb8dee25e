package phone

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in, region string
		want             Number
		err              error
	}{
		{name: "international Spanish mobile", in: "+34 600 11 12 22", want: Number{E164: "+34600111222", National: "600 11 12 22", International: "+34 600 11 12 22", Region: "ES"}},
		{name: "national number with region", in: "(201) 555-0123", region: "us", want: Number{E164: "+12015550123", National: "(201) 555-0123", International: "+1 201-555-0123", Region: "US"}},
		{name: "00 prefix with region", in: "0034600111222", region: "ES", want: Number{E164: "+34600111222", National: "600 11 12 22", International: "+34 600 11 12 22", Region: "ES"}},
		{name: "national number without region is refused", in: "600111222", err: ErrInvalid},
		{name: "too short", in: "+34 600", err: ErrInvalid},
		{name: "letters", in: "call me", region: "ES", err: ErrInvalid},
		{name: "empty", in: "  ", err: ErrInvalid},
		{name: "overlong", in: "+3460011122260011122260011122260011122260011122", err: ErrInvalid},
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
	if _, err := Format("600111222"); !errors.Is(err, ErrInvalid) {
		t.Errorf("err = %v, want ErrInvalid", err)
	}
	n, err := Format("+34600111222")
	if err != nil || n.National != "600 11 12 22" {
		t.Errorf("got %+v, %v", n, err)
	}
}
