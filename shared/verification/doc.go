// Package verification changes a user's sign-in email and phone number
// after proving control of the new address (and, for email, of the current
// one) with one-time codes sent by SES and SNS. It runs in two functions:
// `verification` (POST/DELETE /v1/me/email-change, POST
// /v1/me/email-change/confirm; Service.EmailRoutes) and `phone` (POST
// /v1/me/phone-change and /v1/me/phone-change/confirm;
// Service.PhoneRoutes), the only one that parses numbers with full
// metadata (Service.Phones, package phone/libphone: about 8 ms of start-up
// the email change does not pay). Its storage is store/verificationdb.
//
// An email change sends two different codes, one to the new address and one
// to the current one; each email says which address it confirms and when it
// expires. A phone change sends one SMS code to the new number. Every
// request re-checks the current password (package reauth).
//
// A request stores one pending change per kind and user (a new request
// replaces it). Codes are 6 random digits, stored only as HMAC-SHA256 under
// the server-side 2FA data key (package datakey/keyedhash, as the SMS
// sign-in codes), bound to the user, the change, the purpose and the
// address, so a table read cannot check a guess offline; changes stored
// before the codes were keyed (a salt in the item) are void and answered
// as expired. Codes are compared in constant time, valid for CodeTTL (10 minutes), single use (the
// confirming transaction deletes the pending change on the condition that it
// is still the same one) and limited to MaxAttempts (5) confirmations, each
// counted with a conditional update BEFORE the codes are compared; the last
// wrong try voids the change. Requests are limited to 5 an hour per user
// and kind (email or phone). The code mails to a new address are limited
// per recipient across accounts (EMAIL_CHANGE_PER_RECIPIENT_HOUR, 3, and
// _DAY, 10), against mail bombing. Text messages pass the SMS guard
// (phone.SMSGuard, shared with the sign-in SMS): mobile numbers of the
// allowed countries only (else 400 naming "phone", ErrPhoneNotServed),
// limits per client IP, per account, per number and a daily budget (429
// rate_limited, ErrRateLimited); docs/security.md lists them.
//
// The email confirm is one transaction: claim the new email's uniqueness
// item, release the old one, update the user (version-conditioned) and
// consume the pending change. The old address is told, masked, afterwards.
// A verified phone's national and international display formats, type and
// country are stored with it (phone.Store), so the functions that show
// profiles or text sign-in codes need no phone parser. A number verified
// before its type was stored may be verified again (the same number is
// accepted then); until it is, no code is texted to it.
package verification
