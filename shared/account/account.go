package account

import (
	"errors"
	"sort"
	"strings"
	"time"
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
	PhoneNational      string                `dynamodbav:"phoneNational,omitempty"`
	PhoneInternational string                `dynamodbav:"phoneInternational,omitempty"`
	FirstName          string                `dynamodbav:"firstName"`
	LastName           string                `dynamodbav:"lastName"`
	DisplayName        string                `dynamodbav:"displayName"`
	AvatarURL          string                `dynamodbav:"avatarUrl"`
	Language           string                `dynamodbav:"language"`
	Region             string                `dynamodbav:"region"`
	Timezone           string                `dynamodbav:"timezone"`
	SSOManaged         bool                  `dynamodbav:"ssoManaged"`
	IdPURL             string                `dynamodbav:"idpUrl"`
	Signature          Signature             `dynamodbav:"signature"`
	Availability       Availability          `dynamodbav:"availability"`
	DailySummary       DailySummary          `dynamodbav:"dailySummary"`
	Calendar           Calendar              `dynamodbav:"calendar"`
	TwoFactor          TwoFactor             `dynamodbav:"twoFactor"`
	Orgs               map[string]Membership `dynamodbav:"orgs"`
	CreatedAt          time.Time             `dynamodbav:"createdAt"`
	UpdatedAt          time.Time             `dynamodbav:"updatedAt"`
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

// NormalizeEmail trims and lower-cases an email address; the result is the
// identity used for uniqueness and sign-in.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

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
