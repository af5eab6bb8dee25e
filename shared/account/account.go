package account

import (
	"errors"
	"net/mail"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// ErrNotFound is returned by stores when a user (or another item) does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a conditional write lost a race (the item
// changed since it was read).
var ErrConflict = errors.New("conflict: item changed")

// ErrEmailTaken is returned when an email is already held by an account.
var ErrEmailTaken = errors.New("email taken")

// Roles in an organization.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
	RoleOwner = "owner"
)

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool { return r == RoleUser || r == RoleAdmin || r == RoleOwner }

// Membership is the user's role in one organization. It is kept on the
// user record (denormalised, written in the same transaction as the
// organization's member item) so one read answers "who is this and what may
// they do".
type Membership struct {
	Role     string    `dynamodbav:"role" json:"role"`
	JoinedAt time.Time `dynamodbav:"joinedAt" json:"joinedAt"`
}

// Signature is the email signature.
type Signature struct {
	HTML              string `dynamodbav:"html" json:"html"`
	IncludeInOutgoing bool   `dynamodbav:"includeInOutgoing" json:"includeInOutgoing"`
}

// Interval is one "HH:MM"-"HH:MM" block of weekly availability.
type Interval struct {
	Start string `dynamodbav:"start" json:"start"`
	End   string `dynamodbav:"end" json:"end"`
}

// MeetingLocation says where meetings happen.
type MeetingLocation struct {
	Type    string `dynamodbav:"type" json:"type"`
	Details string `dynamodbav:"details" json:"details"`
}

// Availability is the user's working hours.
type Availability struct {
	Timezone        string                `dynamodbav:"timezone" json:"timezone"`
	MeetingLocation MeetingLocation       `dynamodbav:"meetingLocation" json:"meetingLocation"`
	Weekly          map[string][]Interval `dynamodbav:"weekly" json:"weekly"`
}

// DailySummary is the daily summary email preference.
type DailySummary struct {
	Enabled bool   `dynamodbav:"enabled" json:"enabled"`
	Time    string `dynamodbav:"time" json:"time"`
}

// Calendar is the calendar configuration.
type Calendar struct {
	PrimaryCalendarID   string   `dynamodbav:"primaryCalendarId" json:"primaryCalendarId"`
	ConflictCalendarIDs []string `dynamodbav:"conflictCalendarIds" json:"conflictCalendarIds"`
	PrivateSyncedEvents bool     `dynamodbav:"privateSyncedEvents" json:"privateSyncedEvents"`
	// ClearedBy, set by the server, says a disconnected account took the
	// primary or conflict calendars it gave with it; the next calendar
	// choice (or a patch setting it to null) clears it.
	ClearedBy *CalendarClearing `dynamodbav:"clearedBy,omitempty" json:"clearedBy,omitempty"`
}

// CalendarClearing is a disconnect that cleared calendars from the choice.
type CalendarClearing struct {
	ConnectionID string    `dynamodbav:"connectionId" json:"connectionId"`
	Provider     string    `dynamodbav:"provider" json:"provider"`
	At           time.Time `dynamodbav:"at" json:"at"`
}

// TwoFactor summarises the enabled second factors.
type TwoFactor struct {
	Enabled bool     `dynamodbav:"enabled" json:"enabled"`
	Methods []string `dynamodbav:"methods" json:"methods"`
}

// User is the stored user record.
type User struct {
	ID            string `dynamodbav:"id"`
	Email         string `dynamodbav:"email"`
	Phone         string `dynamodbav:"phone"` // E.164
	PhoneVerified bool   `dynamodbav:"phoneVerified"`
	// PhoneNational and PhoneInternational are Phone written for people,
	// stored when the number is verified so that showing a profile needs
	// no phone number parser.
	PhoneNational      string `dynamodbav:"phoneNational,omitempty"`
	PhoneInternational string `dynamodbav:"phoneInternational,omitempty"`
	// PhoneType (phone.TypeMobile, ...) and PhoneCountry (ISO 3166-1
	// alpha-2, "001" for a non-geographic code) are what libphonenumber
	// said of Phone when it was verified: the SMS guard reads them, so
	// sending a code needs no parser. Empty on records verified earlier.
	PhoneType    string                `dynamodbav:"phoneType,omitempty"`
	PhoneCountry string                `dynamodbav:"phoneCountry,omitempty"`
	FirstName    string                `dynamodbav:"firstName"`
	LastName     string                `dynamodbav:"lastName"`
	DisplayName  string                `dynamodbav:"displayName"`
	AvatarURL    string                `dynamodbav:"avatarUrl"`
	Language     string                `dynamodbav:"language"`
	Region       string                `dynamodbav:"region"`
	Timezone     string                `dynamodbav:"timezone"`
	SSOManaged   bool                  `dynamodbav:"ssoManaged"`
	IdPURL       string                `dynamodbav:"idpUrl"`
	Signature    Signature             `dynamodbav:"signature"`
	Availability Availability          `dynamodbav:"availability"`
	DailySummary DailySummary          `dynamodbav:"dailySummary"`
	Calendar     Calendar              `dynamodbav:"calendar"`
	TwoFactor    TwoFactor             `dynamodbav:"twoFactor"`
	Orgs         map[string]Membership `dynamodbav:"orgs"`
	CreatedAt    time.Time             `dynamodbav:"createdAt"`
	UpdatedAt    time.Time             `dynamodbav:"updatedAt"`
	// EmailVerified says the person proved they receive mail at Email (a
	// sign-up code, an invitation, an email change code). Records written
	// before the attribute existed have none and read as verified (see
	// EmailIsVerified): the migration is in code, no item is rewritten.
	EmailVerified *bool `dynamodbav:"emailVerified,omitempty"`
	// Version advances on every change; writes are conditioned on it.
	Version int64 `dynamodbav:"version"`
}

// EmailIsVerified reports whether the user proved the address; a record
// without the attribute (written before it existed) counts as verified.
func (u User) EmailIsVerified() bool { return u.EmailVerified == nil || *u.EmailVerified }

// Verified is the EmailVerified value of an address just proven.
func Verified() *bool { v := true; return &v }

// Defaults fills the defaults of a new user.
func (u *User) Defaults() {
	if u.Language == "" {
		u.Language = "en"
	}
	if u.Timezone == "" {
		u.Timezone = "UTC"
	}
	if u.DisplayName == "" {
		u.DisplayName = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	if u.Availability.Timezone == "" {
		u.Availability.Timezone = u.Timezone
	}
	if u.Availability.MeetingLocation.Type == "" {
		u.Availability.MeetingLocation.Type = "custom"
	}
	if u.Availability.Weekly == nil {
		u.Availability.Weekly = map[string][]Interval{}
	}
	if u.DailySummary.Time == "" {
		u.DailySummary.Time = "07:30"
	}
	if u.Calendar.ConflictCalendarIDs == nil {
		u.Calendar.ConflictCalendarIDs = []string{}
		u.Calendar.PrivateSyncedEvents = true
	}
	if u.TwoFactor.Methods == nil {
		u.TwoFactor.Methods = []string{}
	}
}

// CurrentOrg returns the organization a request acts in: the requested one
// if the user is a member, otherwise (requested == "") the one joined first.
// ok is false when the user has no membership matching.
func (u User) CurrentOrg(requested string) (orgID string, m Membership, ok bool) {
	if requested != "" {
		m, ok = u.Orgs[requested]
		return requested, m, ok
	}
	ids := make([]string, 0, len(u.Orgs))
	for id := range u.Orgs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := u.Orgs[ids[i]], u.Orgs[ids[j]]
		if !a.JoinedAt.Equal(b.JoinedAt) {
			return a.JoinedAt.Before(b.JoinedAt)
		}
		return ids[i] < ids[j]
	})
	if len(ids) == 0 {
		return "", Membership{}, false
	}
	return ids[0], u.Orgs[ids[0]], true
}

// NormalizeEmail trims and lower-cases an email address and writes an
// internationalized domain in its ASCII (IDNA, punycode) form; the result
// is the identity used for uniqueness and sign-in, so "ada@bücher.de" and
// "ada@xn--bcher-kva.de" are one account. It does not validate: input from
// a client goes through CleanEmail, which normalizes the same way.
func NormalizeEmail(s string) string {
	e := strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(e, '@')
	if at < 0 || isASCII(e[at+1:]) {
		return e
	}
	if d, err := emailDomains().ToASCII(e[at+1:]); err == nil {
		return e[:at+1] + d
	}
	return e
}

// emailDomains is the IDNA profile of address domains: UTS #46 mapping
// for lookup (full-width and upper-case letters fold to their plain form),
// the bidi rule, letters, digits and hyphens only, DNS lengths.
var emailDomains = sync.OnceValue(func() *idna.Profile {
	return idna.New(idna.MapForLookup(), idna.BidiRule(), idna.StrictDomainName(true), idna.VerifyDNSLength(true))
})

// Field messages of CleanEmail.
const (
	msgEmailFormat    = "must be an email address like name@example.com"
	msgEmailInvisible = "must not contain invisible, formatting or text-direction characters"
	msgEmailLocal     = "must use only ASCII letters, digits and symbols before the @"
	msgEmailIP        = "must use a domain name, not an IP address"
	msgEmailDomain    = "must have a valid domain with a dot, like example.com"
)

// CleanEmail normalizes (NormalizeEmail) and validates an email address
// used as a sign-in identifier or a mail destination: a bare address (no
// display name), at most 254 characters, a local part of at most 64 ASCII
// characters (RFC 5321; a full-width or otherwise non-ASCII local part can
// look like another user's address), no invisible, formatting or
// text-direction characters anywhere (zero-width space, bidi overrides),
// and a domain that is a name with at least two labels, not an IP literal,
// valid under IDNA and written in its ASCII form. It returns the address,
// or "" and the problem (a field message for Validation.Check).
func CleanEmail(s string) (string, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "must not be empty"
	}
	for _, r := range s {
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Bidi_Control, unicode.Join_Control,
			unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point) {
			return "", msgEmailInvisible
		}
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", msgEmailFormat
	}
	local, domain := strings.ToLower(s[:at]), strings.ToLower(s[at+1:])
	if !isASCII(local) {
		return "", msgEmailLocal
	}
	if strings.HasPrefix(domain, "[") {
		return "", msgEmailIP
	}
	if _, err := netip.ParseAddr(domain); err == nil {
		return "", msgEmailIP
	}
	if a, err := mail.ParseAddress(local + "@" + domain); err != nil || a.Name != "" || a.Address != local+"@"+domain {
		return "", msgEmailFormat
	}
	ascii, err := emailDomains().ToASCII(domain)
	if err != nil || !strings.Contains(ascii, ".") || strings.HasSuffix(ascii, ".") {
		return "", msgEmailDomain
	}
	if tld := ascii[strings.LastIndexByte(ascii, '.')+1:]; strings.Trim(tld, "0123456789") == "" {
		return "", msgEmailIP // 1.2.3.4 style, or a numeric top-level label
	}
	e := local + "@" + ascii
	if len(e) > 254 {
		return "", "must be at most 254 characters"
	}
	if len(local) > 64 {
		return "", msgEmailFormat
	}
	return e, ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Organization is a tenant: users belong to one or more.
type Organization struct {
	ID        string    `dynamodbav:"id"`
	Name      string    `dynamodbav:"name"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
}

// Member is an organization's view of one membership.
type Member struct {
	OrgID    string    `dynamodbav:"orgId"`
	UserID   string    `dynamodbav:"userId"`
	Role     string    `dynamodbav:"role"`
	JoinedAt time.Time `dynamodbav:"joinedAt"`
}
