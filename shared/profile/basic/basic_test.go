package basic

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/example/myprofile/shared/account"
)

func TestCleaners(t *testing.T) {
	tests := []struct {
		name      string
		clean     func(string) (string, string)
		in, want  string
		wantError bool
	}{
		{"name trimmed", CleanName, "  Ada  ", "Ada", false},
		{"name empty", CleanName, "   ", "", true},
		{"name 100 runes", CleanName, strings.Repeat("é", 100), strings.Repeat("é", 100), false},
		{"name 101 runes", CleanName, strings.Repeat("é", 101), "", true},
		{"name control", CleanName, "Ada\x00", "", true},
		{"name format char", CleanName, "Ada\u200e", "", true},
		{"name invalid UTF-8", CleanName, "Ada\xff", "", true},
		{"language canonical", CleanLanguage, "es-mx", "es-MX", false},
		{"language undetermined", CleanLanguage, "und", "", true},
		{"language only a region", CleanLanguage, "und-ES", "", true},
		{"language script", CleanLanguage, "zh-hant", "zh-Hant", false},
		{"language malformed", CleanLanguage, "not a tag", "", true},
		{"time zone", CleanTimezone, "Europe/Madrid", "Europe/Madrid", false},
		{"time zone unknown", CleanTimezone, "Mars/Olympus", "", true},
		{"time zone path", CleanTimezone, "../etc/passwd", "", true},
		{"time zone local", CleanTimezone, "Local", "", true},
		{"region upper-cased", CleanRegion, " es ", "ES", false},
		{"region not a country", CleanRegion, "ZZ", "", true},
		{"region three letters", CleanRegion, "ESP", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, msg := tc.clean(tc.in)
			if tc.wantError {
				if msg == "" {
					t.Errorf("%q: accepted as %q, want a message", tc.in, got)
				}
				return
			}
			if msg != "" || got != tc.want {
				t.Errorf("%q: got %q (%q), want %q", tc.in, got, msg, tc.want)
			}
		})
	}
}

func TestViewShowsTheStoredPhoneFormats(t *testing.T) {
	u := account.User{ID: "u1", Email: "ada@example.com", Version: 3,
		Orgs: map[string]account.Membership{"o1": {Role: account.RoleAdmin}}}
	if p := View(u, "o1"); p.Phone != nil || p.PhoneFormatted != nil {
		t.Errorf("no phone: phone %v formats %v, want both null", p.Phone, p.PhoneFormatted)
	}
	u.Phone, u.PhoneVerified = "+34600111222", true
	if p := View(u, "o1"); p.Phone == nil || *p.Phone != u.Phone || p.PhoneFormatted != nil {
		t.Errorf("phone without stored formats: phone %v formats %v, want the number and null", p.Phone, p.PhoneFormatted)
	}
	u.PhoneNational, u.PhoneInternational = "600 11 12 22", "+34 600 11 12 22"
	p := View(u, "o1")
	if p.PhoneFormatted == nil || *p.PhoneFormatted != (PhoneFormats{National: "600 11 12 22", International: "+34 600 11 12 22"}) {
		t.Errorf("formats = %v", p.PhoneFormatted)
	}
	if p.Role != account.RoleAdmin || p.OrganizationID != "o1" || p.Language != "en" || p.Timezone != "UTC" {
		t.Errorf("role %q org %q language %q timezone %q", p.Role, p.OrganizationID, p.Language, p.Timezone)
	}
	if p := View(u, "other"); p.Role != "" || p.OrganizationID != "" {
		t.Errorf("outside the organization: role %q org %q, want none", p.Role, p.OrganizationID)
	}
	if ETag(u) != `"v3"` {
		t.Errorf("ETag = %s", ETag(u))
	}
}

func TestApplyNameFields(t *testing.T) {
	base := account.User{FirstName: "Ada", LastName: "Lovelace", DisplayName: "Ada Lovelace"}
	custom := base
	custom.DisplayName = "Countess"
	readOnly := map[string]string{"email": "changes only through the email change flow"}
	tests := []struct {
		name        string
		u           account.User
		body        string
		want        account.User
		wantInvalid []string // fields named by the validation error
	}{
		{"default display name follows", base, `{"firstName":" Augusta "}`,
			account.User{FirstName: "Augusta", LastName: "Lovelace", DisplayName: "Augusta Lovelace"}, nil},
		{"chosen display name stays", custom, `{"lastName":"King"}`,
			account.User{FirstName: "Ada", LastName: "King", DisplayName: "Countess"}, nil},
		{"null display name resets", custom, `{"displayName":null}`,
			account.User{FirstName: "Ada", LastName: "Lovelace", DisplayName: "Ada Lovelace"}, nil},
		{"every problem at once", base, `{"firstName":"","lastName":null,"displayName":7,"email":"x@example.com","language":"es"}`,
			base, []string{"displayName", "email", "firstName", "language", "lastName"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Apply(tc.u, []byte(tc.body), NameFields(), readOnly)
			if tc.wantInvalid != nil {
				var p *account.Error
				if !errors.As(err, &p) || p.Code != account.CodeValidation {
					t.Fatalf("err = %v, want a validation problem", err)
				}
				var fields []string
				for _, f := range p.Fields {
					fields = append(fields, f.Field)
				}
				slices.Sort(fields)
				if !slices.Equal(fields, tc.wantInvalid) {
					t.Errorf("fields %v, want %v", fields, tc.wantInvalid)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.FirstName != tc.want.FirstName || got.LastName != tc.want.LastName || got.DisplayName != tc.want.DisplayName {
				t.Errorf("got %q %q %q, want %q %q %q", got.FirstName, got.LastName, got.DisplayName,
					tc.want.FirstName, tc.want.LastName, tc.want.DisplayName)
			}
		})
	}
}

// iso3166 are the 249 officially assigned ISO 3166-1 alpha-2 codes.
const iso3166 = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
	"MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"

// Of all 676 two-letter codes, CleanRegion accepts exactly the assigned ones.
func TestCleanRegionAcceptsExactlyTheAssignedCodes(t *testing.T) {
	assigned := map[string]bool{}
	for _, c := range strings.Fields(iso3166) {
		assigned[c] = true
	}
	if len(assigned) != 249 {
		t.Fatalf("the test's list has %d codes, want 249", len(assigned))
	}
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			got, msg := CleanRegion(strings.ToLower(code))
			if accepted := msg == ""; accepted != assigned[code] || (accepted && got != code) {
				t.Errorf("CleanRegion(%q) = %q, %q; assigned: %v", code, got, msg, assigned[code])
			}
		}
	}
}

// An availability time zone left at the profile's follows it; one the user
// chose stays.
func TestAvailabilityZoneFollowsTheProfileZone(t *testing.T) {
	zone := StringField("timezone", CleanTimezone, func(u *account.User) *string { return &u.Timezone }, "UTC")
	fields := Fields{"timezone": zone, "firstName": NameFields()["firstName"]}
	u := account.User{FirstName: "Ada", LastName: "Lovelace"}
	u, err := Apply(u, []byte(`{"firstName":"Ada"}`), fields, nil) // the first save stores the defaults
	if err != nil {
		t.Fatal(err)
	}
	if u, err = Apply(u, []byte(`{"timezone":"Europe/Madrid"}`), fields, nil); err != nil {
		t.Fatal(err)
	}
	if u.Availability.Timezone != "Europe/Madrid" {
		t.Errorf("availability zone %q, want it to follow the profile to Europe/Madrid", u.Availability.Timezone)
	}
	u.Availability.Timezone = "America/New_York" // chosen by the user
	if u, err = Apply(u, []byte(`{"timezone":"Asia/Tokyo"}`), fields, nil); err != nil {
		t.Fatal(err)
	}
	if u.Availability.Timezone != "America/New_York" {
		t.Errorf("availability zone %q, want the chosen America/New_York", u.Availability.Timezone)
	}
}

// A record stored before emailVerified existed has no attribute and reads
// as verified; one that says false is shown unverified.
func TestViewEmailVerified(t *testing.T) {
	no := false
	for _, tc := range []struct {
		name string
		in   *bool
		want bool
	}{
		{"record without the attribute reads as verified", nil, true},
		{"proven address", account.Verified(), true},
		{"address not proven", &no, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := View(account.User{EmailVerified: tc.in}, "").EmailVerified; got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
