// Package verification changes a user's sign-in email and phone number
// after proving control of the new address (and, for email, of the current
// one) with one-time codes sent by SES and SNS. It is the function
// `verification` (POST/DELETE /v1/me/email-change, POST
// /v1/me/email-change/confirm, POST /v1/me/phone-change and
// /v1/me/phone-change/confirm); its storage is store/verificationdb.
//
// An email change sends two different codes, one to the new address and one
// to the current one; each email says which address it confirms and when it
// expires. A phone change sends one SMS code to the new number. Every
// request re-checks the current password (package reauth).
//
// A request stores one pending change per kind and user (a new request
// replaces it). Codes are 6 random digits, stored only as HMAC-SHA256 under
// a per-change random salt (so bound to the change and the address),
// compared in constant time, valid for CodeTTL (10 minutes), single use (the
// confirming transaction deletes the pending change on the condition that it
// is still the same one) and limited to MaxAttempts (5) confirmations, each
// counted with a conditional update BEFORE the codes are compared; the last
// wrong try voids the change. Requests are limited to 5 an hour per user
// and kind (email or phone), text messages to 10 an hour per client IP
// (against SMS toll fraud).
//
// The email confirm is one transaction: claim the new email's uniqueness
// item, release the old one, update the user (version-conditioned) and
// consume the pending change. The old address is told, masked, afterwards.
// A verified phone's national and international display formats are stored
// with it, so functions that only show profiles need no phone parser.
package verification
