package profile

import (
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/profile/basic"
)

// patchers lists the fields PATCH /v1/me may change. Fields with their own
// flows (email, phone) and read-only fields are refused by name.
func patchers() basic.Fields {
	all := basic.NameFields()
	all["language"] = basic.StringField("language", basic.CleanLanguage, func(u *account.User) *string { return &u.Language }, "en")
	all["timezone"] = basic.StringField("timezone", basic.CleanTimezone, func(u *account.User) *string { return &u.Timezone }, "UTC")
	all["region"] = basic.StringField("region", basic.CleanRegion, func(u *account.User) *string { return &u.Region }, "")
	all["signature"] = patchSignature
	all["availability"] = patchAvailability
	all["dailySummary"] = patchDailySummary
	all["calendar"] = patchCalendar
	return all
}

// readOnly are Profile members that exist but cannot be patched.
var readOnly = map[string]string{
	"email":          "changes only through the email change flow (POST /v1/me/email-change)",
	"phone":          "changes only through the phone change flow (POST /v1/me/phone-change)",
	"phoneVerified":  "is read-only",
	"id":             "is read-only",
	"avatarUrl":      "changes through POST and DELETE /v1/me/avatar",
	"role":           "is read-only here",
	"organizationId": "is read-only",
	"ssoManaged":     "is read-only",
	"twoFactor":      "changes through /v1/me/2fa",
	"createdAt":      "is read-only",
	"updatedAt":      "is read-only",
	"version":        "is read-only; send If-Match instead",
}

// ApplyPatch applies a JSON merge patch to a copy of u. It validates every
// member and returns all problems at once; on error nothing is changed.
func ApplyPatch(u account.User, body []byte) (account.User, error) {
	return basic.Apply(u, body, patchers(), readOnly)
}
