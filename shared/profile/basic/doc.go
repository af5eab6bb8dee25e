// Package basic is the part of the profile every function that shows or
// creates one needs: the API shape of a user (API.md `Profile`) and its
// ETag, the checks of the fields sign-up also takes (names, language, time
// zone, region) and the JSON merge patch machinery.
//
// It links neither the phone number parser nor the HTML sanitizer: the
// phone's display formats are stored when the number is verified
// (account.User.PhoneNational, PhoneInternational), so auth and the other
// functions that only show profiles stay small. It serves GET /v1/me
// (Routes), the hottest route, for the profile function, which links
// nothing heavier. Package profile adds the fields that need the sanitizer
// and serves the edits (PATCH /v1/me) in the profile-edit function.
package basic
