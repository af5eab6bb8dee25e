package basic

import (
	"fmt"
	"time"

	"github.com/example/myprofile/shared/account"
)

// Profile is the API shape of a user (API.md `Profile`).
type Profile struct {
	ID             string               `json:"id"`
	Email          string               `json:"email"`
	EmailVerified  bool                 `json:"emailVerified"`
	Phone          *string              `json:"phone"`
	PhoneFormatted *PhoneFormats        `json:"phoneFormatted"`
	PhoneVerified  bool                 `json:"phoneVerified"`
	FirstName      string               `json:"firstName"`
	LastName       string               `json:"lastName"`
	DisplayName    string               `json:"displayName"`
	AvatarURL      *string              `json:"avatarUrl"`
	Language       string               `json:"language"`
	Region         *string              `json:"region"`
	Timezone       string               `json:"timezone"`
	Role           string               `json:"role"`
	OrganizationID string               `json:"organizationId"`
	SSOManaged     bool                 `json:"ssoManaged"`
	Signature      account.Signature    `json:"signature"`
	Availability   account.Availability `json:"availability"`
	DailySummary   account.DailySummary `json:"dailySummary"`
	Calendar       account.Calendar     `json:"calendar"`
	TwoFactor      account.TwoFactor    `json:"twoFactor"`
	CreatedAt      time.Time            `json:"createdAt"`
	UpdatedAt      time.Time            `json:"updatedAt"`
	Version        int64                `json:"version"`
}

// PhoneFormats are the stored E.164 phone written for people, in the
// number's own country (national) and from abroad (international).
type PhoneFormats struct {
	National      string `json:"national"`
	International string `json:"international"`
}

// View renders a user as the API's Profile, in the organization orgID
// (the current one; see account.User.CurrentOrg).
func View(u account.User, orgID string) Profile {
	u.Defaults()
	p := Profile{
		ID: u.ID, Email: u.Email, EmailVerified: u.EmailIsVerified(), PhoneVerified: u.PhoneVerified,
		FirstName: u.FirstName, LastName: u.LastName, DisplayName: u.DisplayName,
		Language: u.Language, Timezone: u.Timezone, SSOManaged: u.SSOManaged,
		Signature: u.Signature, Availability: u.Availability, DailySummary: u.DailySummary,
		Calendar: u.Calendar, TwoFactor: u.TwoFactor,
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(), Version: u.Version,
	}
	if u.Phone != "" {
		p.Phone = &u.Phone
		if u.PhoneNational != "" && u.PhoneInternational != "" {
			p.PhoneFormatted = &PhoneFormats{National: u.PhoneNational, International: u.PhoneInternational}
		}
	}
	if u.AvatarURL != "" {
		p.AvatarURL = &u.AvatarURL
	}
	if u.Region != "" {
		p.Region = &u.Region
	}
	if m, ok := u.Orgs[orgID]; ok {
		p.Role, p.OrganizationID = m.Role, orgID
	}
	return p
}

// ETag is the entity tag of a user record's version.
func ETag(u account.User) string { return fmt.Sprintf(`"v%d"`, u.Version) }
