package profile

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/httpapi"
)

// fieldPatcher applies one top-level member of a JSON merge patch (RFC 7396)
// to the user, recording problems under the field's name. raw is "null"
// when the patch removes the member.
type fieldPatcher func(u *account.User, raw json.RawMessage, v *httpapi.Validation)

// patchers lists the fields PATCH /v1/me may change. Fields with their own
// flows (email, phone) and read-only fields are refused by name.
func patchers() map[string]fieldPatcher {
	return map[string]fieldPatcher{
		"firstName":    patchName("firstName", func(u *account.User) *string { return &u.FirstName }),
		"lastName":     patchName("lastName", func(u *account.User) *string { return &u.LastName }),
		"displayName":  patchDisplayName,
		"language":     patchString("language", CleanLanguage, func(u *account.User) *string { return &u.Language }, "en"),
		"timezone":     patchString("timezone", CleanTimezone, func(u *account.User) *string { return &u.Timezone }, "UTC"),
		"region":       patchString("region", CleanRegion, func(u *account.User) *string { return &u.Region }, ""),
		"signature":    patchSignature,
		"availability": patchAvailability,
		"dailySummary": patchDailySummary,
		"calendar":     patchCalendar,
	}
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
	var members map[string]json.RawMessage
	if err := httpapi.DecodeBytes(body, &members); err != nil {
		return u, err
	}
	u.Defaults()
	names := make([]string, 0, len(members))
	for k := range members {
		names = append(names, k)
	}
	sort.Strings(names)
	all := patchers()
	var v httpapi.Validation
	oldDefault := strings.TrimSpace(u.FirstName + " " + u.LastName)
	displayFollows := u.DisplayName == oldDefault
	for _, name := range names {
		if why, ok := readOnly[name]; ok {
			v.Add(name, why)
			continue
		}
		p, ok := all[name]
		if !ok {
			v.Add(name, "unknown field")
			continue
		}
		p(&u, members[name], &v)
	}
	if err := v.Err(); err != nil {
		return u, err
	}
	// A display name left at its default keeps following the names.
	if _, set := members["displayName"]; !set && displayFollows {
		u.DisplayName = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	return u, nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// decodeMember decodes one member strictly (unknown nested fields refused).
func decodeMember(field string, raw json.RawMessage, dst any, v *httpapi.Validation) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		msg := "has the wrong type"
		if s := err.Error(); strings.HasPrefix(s, "json: unknown field ") {
			msg = "has an unknown member " + strings.TrimPrefix(s, "json: unknown field ")
		}
		v.Add(field, msg)
		return false
	}
	return true
}

func patchName(field string, at func(*account.User) *string) fieldPatcher {
	return func(u *account.User, raw json.RawMessage, v *httpapi.Validation) {
		var s string
		if isNull(raw) {
			v.Add(field, "must not be null")
			return
		}
		if !decodeMember(field, raw, &s, v) {
			return
		}
		clean, msg := CleanName(s)
		if msg != "" {
			v.Add(field, msg)
			return
		}
		*at(u) = clean
	}
}

func patchDisplayName(u *account.User, raw json.RawMessage, v *httpapi.Validation) {
	if isNull(raw) {
		u.DisplayName = strings.TrimSpace(u.FirstName + " " + u.LastName)
		return
	}
	var s string
	if !decodeMember("displayName", raw, &s, v) {
		return
	}
	clean, msg := CleanName(s)
	if msg != "" {
		v.Add("displayName", msg)
		return
	}
	u.DisplayName = clean
}

// patchString patches a string field with a cleaner; null resets it to def
// (or refuses null when def is "" and the field is required... region may
// be cleared).
func patchString(field string, clean func(string) (string, string), at func(*account.User) *string, def string) fieldPatcher {
	return func(u *account.User, raw json.RawMessage, v *httpapi.Validation) {
		if isNull(raw) {
			*at(u) = def
			return
		}
		var s string
		if !decodeMember(field, raw, &s, v) {
			return
		}
		c, msg := clean(s)
		if msg != "" {
			v.Add(field, msg)
			return
		}
		*at(u) = c
	}
}
