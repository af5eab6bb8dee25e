// Package twofactor is two-factor authentication: enrolment of an
// authenticator app (TOTP), SMS codes, passkeys and backup codes for the
// signed-in user (function `twofactor`, routes /v1/me/2fa...), and the
// second step of sign-in (function `auth`: /v1/auth/login/mfa,
// /login/mfa/sms and /login/webauthn/*, plugged into package auth through
// its SecondFactor hook) and passwordless sign-in with a passkey (function
// `auth`: /v1/auth/passkey/begin and /finish). Its storage is
// store/twofactordb.
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
// Registration prefers discoverable (resident) credentials and records
// whether the authenticator made one (credProps); a credential id is
// claimed across all accounts in the registration transaction (item
// PASSKEY#<id>), so a second registration of it is 409 conflict, and the
// claim goes with the passkey.
//
// Passwordless sign-in: begin stores a discoverable-login ceremony (5
// minutes, used once) and answers the request options with no allowed
// credentials and user verification required; finish takes the ceremony,
// reads the passkey named by the assertion's credential id and user handle
// together with the user record, verifies it and moves the sign counter
// forward. A user-verified passkey is both factors (NIST AAL2), so no second
// step follows; every refusal is 401 invalid_credentials.
//
// Step-up (stepup.go): with 2FA on, removing a factor, regenerating backup
// codes and deleting the account (package org, through CheckStepUp) need
// the password and a current second factor (account.StepUp), with no
// exception: `code`, an authenticator code, a backup code or an SMS
// step-up code (POST /v1/me/2fa/step-up/sms: HMAC'd, 5 minutes, one use,
// through the SMS guard), or `assertion`, a passkey answering a step-up
// ceremony (POST /v1/me/2fa/step-up/webauthn/begin: the user's passkeys,
// user verification required, 5 minutes, stored under the user and taken
// by a conditional delete, the sign counter moving forward). Both wait in
// items MFA#STEPUP#... under the user. 401 mfa_invalid without a right one.
//
// Sign-in with a factor returns a challenge: 5 minutes, 5 tries, bound to
// the client, used once. An answer claims the challenge (a conditional
// write, one winner) before a backup code is consumed, so concurrent
// answers spend one code.
//
// Wrong second factors are limited per user (Failures: LOGIN_MAX_FAILURES
// in LOGIN_WINDOW, counted before the check). Each window they run out is a
// strike that locks the user's second factors (Lock, item MFA#LOCK): one
// window the first time, twice as long each next time, up to MaxLock
// (24 h); a successful sign-in clears it, and the first strike mails the
// user that someone may know their password (lockout.go).
// The second step makes 4 DynamoDB round trips: the challenge's and the
// user's attempt counts, the user record and the authenticator together
// (the user id is the challenge id's first part); the TOTP step; the
// redemption together with giving the attempt back; the session together
// with the device record (package auth).
//
// Every factor change re-checks the current password (package reauth), is
// emailed and audited; revokeOtherSessions ends the user's other sessions.
package twofactor
