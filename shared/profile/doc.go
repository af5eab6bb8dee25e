// Package profile is the signed-in user's profile, served by the function
// `profile`: GET and PATCH /v1/me, PUT /v1/me/password and POST
// /v1/me/signature/render, plus the validation of every editable field. The
// same function also serves the routes of packages prefs
// (/v1/me/notifications), avatar (/v1/me/avatar), billing
// (/v1/me/billing-alert) and org (/v1/users..., DELETE /v1/me, the audit
// listings). The API shape and the basic fields sign-up also takes are in
// package basic, which functions that only show profiles link without the
// parsers this package needs (phone numbers for meeting locations, the HTML
// sanitizer for signatures).
//
// PATCH /v1/me is an RFC 7396 merge patch validated field by field (400
// naming every bad field, nothing stored) and written conditioned on the
// version it read: with If-Match a stale ETag is 412; without it the patch
// is re-applied on the fresh record, so no update is lost. A saved change of
// the daily-summary preference or the time zone reschedules the summary
// (package dailysummary).
//
// Signatures are sanitized with bluemonday (https links and images only; no
// scripts, handlers, forms, iframes or loading styles; at most 10 KB) and
// rendered with HTML-escaped {{user.*}} values.
//
// Password change re-checks the current password (package reauth), revokes
// every other session and emails a notice in the user's language.
//
// A saved patch that changed something publishes Profile Updated
// (PublishUpdated: the user's id and the changed field names, never their
// values; docs/events.md); a refused or no-op patch publishes nothing.
package profile
