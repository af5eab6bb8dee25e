package basic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/example/myprofile/shared/account"
)

// Field applies one top-level member of a JSON merge patch (RFC 7396) to
// the user, recording problems under the field's name. raw is "null" when
// the patch removes the member.
type Field func(u *account.User, raw json.RawMessage, v *account.Validation)

// Fields are the patchable members by name.
type Fields map[string]Field

// NameFields are the name members: firstName and lastName (required) and
// displayName (null resets it to "first last").
func NameFields() Fields {
	return Fields{
		"firstName":   nameField("firstName", func(u *account.User) *string { return &u.FirstName }),
		"lastName":    nameField("lastName", func(u *account.User) *string { return &u.LastName }),
		"displayName": displayNameField,
	}
}

// Apply applies a JSON merge patch to a copy of u through fields. Members
// in readOnly are refused with their reason, any other unknown member as
// "unknown field". It validates every member and returns all problems at
// once; on error nothing is changed. A display name left at its default
// keeps following the first and last names, and an availability time zone
// left at the profile's keeps following it.
func Apply(u account.User, body []byte, fields Fields, readOnly map[string]string) (account.User, error) {
	var members map[string]json.RawMessage
	if err := decodeObject(body, &members); err != nil {
		return u, err
	}
	u.Defaults()
	names := make([]string, 0, len(members))
	for k := range members {
		names = append(names, k)
	}
	sort.Strings(names)
	var v account.Validation
	oldDefault := strings.TrimSpace(u.FirstName + " " + u.LastName)
	displayFollows := u.DisplayName == oldDefault
	oldZone := u.Timezone
	availabilityFollows := u.Availability.Timezone == oldZone
	for _, name := range names {
		if why, ok := readOnly[name]; ok {
			v.Add(name, why)
			continue
		}
		f, ok := fields[name]
		if !ok {
			v.Add(name, "unknown field")
			continue
		}
		f(&u, members[name], &v)
	}
	if err := v.Err(); err != nil {
		return u, err
	}
	if _, set := members["displayName"]; !set && displayFollows {
		u.DisplayName = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	// So does an availability time zone left at the profile's.
	if availabilityFollows && u.Availability.Timezone == oldZone {
		u.Availability.Timezone = u.Timezone
	}
	return u, nil
}

// IsNull reports whether a member's raw JSON is null.
func IsNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// DecodeMember decodes one member strictly (nested member names matched
// case-sensitively, unknown or repeated ones refused, as the request body
// is), recording a problem under field when it cannot.
func DecodeMember(field string, raw json.RawMessage, dst any, v *account.Validation) bool {
	if err := jsonv2.Unmarshal(raw, dst, jsonv2.RejectUnknownMembers(true)); err != nil {
		msg := "has the wrong type"
		var sem *jsonv2.SemanticError
		if errors.Is(err, jsonv2.ErrUnknownName) && errors.As(err, &sem) {
			msg = fmt.Sprintf("has an unknown member %q", sem.JSONPointer.LastToken())
		}
		v.Add(field, msg)
		return false
	}
	return true
}

func nameField(field string, at func(*account.User) *string) Field {
	return func(u *account.User, raw json.RawMessage, v *account.Validation) {
		var s string
		if IsNull(raw) {
			v.Add(field, "must not be null")
			return
		}
		if !DecodeMember(field, raw, &s, v) {
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

func displayNameField(u *account.User, raw json.RawMessage, v *account.Validation) {
	if IsNull(raw) {
		u.DisplayName = strings.TrimSpace(u.FirstName + " " + u.LastName)
		return
	}
	var s string
	if !DecodeMember("displayName", raw, &s, v) {
		return
	}
	clean, msg := CleanName(s)
	if msg != "" {
		v.Add("displayName", msg)
		return
	}
	u.DisplayName = clean
}

// StringField patches a string member with a cleaner that returns the
// cleaned value or a message; null resets it to def.
func StringField(field string, clean func(string) (string, string), at func(*account.User) *string, def string) Field {
	return func(u *account.User, raw json.RawMessage, v *account.Validation) {
		if IsNull(raw) {
			*at(u) = def
			return
		}
		var s string
		if !DecodeMember(field, raw, &s, v) {
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
