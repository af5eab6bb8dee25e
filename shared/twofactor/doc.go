// Package twofactor is two-factor authentication: enrolment of an
// authenticator app (TOTP), SMS codes, passkeys and backup codes for the
// signed-in user (function `twofactor`, routes /v1/me/2fa...), and the
// second step of sign-in (function `auth`: /v1/auth/login/mfa,
// /login/mfa/sms and /login/webauthn/*, plugged into package auth through
// its SecondFactor hook). Its storage is store/twofactordb.
//
// Which factors a user has is kept on the user record (account.TwoFactor),
// always changed by a version-conditioned write together with the factor's
// own items, so GET /v1/me shows the truth. The secrets live in their own
// items under the user's partition.
//
// TOTP follows RFC 6238: SHA-1, 6 digits, 30 s steps, one step of skew. The
// secret is sealed with AES-256-GCM under the data key (package datakey:
// read from Secrets Manager at first use; MFA_DATA_KEY_SECRET names it,
// MFA_DATA_KEY supplies it directly for local runs) and bound to the user.
// The last accepted step is stored and a conditional write refuses any code
// for the same or an earlier step, so a code works once.
//
// Backup codes: 10 codes of 10 characters from an unambiguous alphabet, each
// an argon2id hash keyed by a public 2-character id (one hash per check),
// consumed by a conditional delete.
//
// SMS codes are stored as HMAC-SHA256 under the same data key (package
// datakey/keyedhash, shared with the email and phone change codes). Each
// text message passes the SMS guard against toll fraud (phone.SMSGuard,
// shared with the phone change): only mobile numbers of the allowed
// countries (else 400 naming "phone", ErrPhoneNotServed; turning SMS 2FA
// on for such a number is refused too), at most 3 per challenge and within
// the limits per client IP, per account, per number and the daily budget
// (429 rate_limited, ErrTooManyAttempts); docs/security.md lists them. Passkeys use go-webauthn; the
// ceremonies are stored in DynamoDB with a TTL and the sign counter must
// move forward. WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS name the relying party.
//
// Sign-in with a factor returns a challenge: 5 minutes, 5 tries, bound to
// the client, used once. Every change re-checks the current password
// (package reauth), is emailed and audited; revokeOtherSessions ends the
// user's other sessions.
package twofactor
