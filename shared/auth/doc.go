// Package auth is sign-up, forgotten password, sign-in and sign-out,
// served by the function `auth` (POST /v1/auth/signup, /signup/confirm,
// /password/forgot, /password/reset, /login, /logout; the second sign-in
// step /login/mfa, /login/mfa/sms and /login/webauthn/* comes from package
// twofactor through the SecondFactor hook, as does passwordless passkey
// sign-in /passkey/begin and /passkey/finish, and /accept-invite from package
// org).
//
// Sign-up proves the address before anything is created. RequestSignUp
// checks the fields, hashes the password and looks the email up: for an
// address without an account it stores a pending sign-up (SIGNUP#<email>,
// the password already hashed, kept 24 hours; a new request replaces it)
// and mails a 6-digit code in the requested language; for a registered
// address it stores nothing and mails the owner that someone tried to sign
// up, with how to sign in or reset the password. Both answer 202
// {expiresAt} after the same work, so neither answer nor timing tells
// whether an address has an account. ConfirmSignUp checks the code and
// writes the user (emailVerified), the password hash, the first session and
// an organization the user owns in one conditional transaction that also
// claims the email's uniqueness and deletes the pending sign-up, so a code
// works once and two confirmations racing make one account.
// SIGNUP_ENABLED=false (context value signupEnabled) closes sign-up, leaving
// invitations only (accepting one proves the address: no code there). Limits:
// 5 sign-up mails an hour per address, 20 requests an hour per client IP.
//
// Forgotten password: ForgotPassword always answers 202 with the same body
// after the same reads and one mail: a reset code for an account with a
// password, a pointer to the identity provider (idpUrl) for an SSO-managed
// one, a "no account uses this address" note otherwise; limited like
// sign-up. ResetPassword checks the new password against the policy, then
// the code, and sets the hash and deletes the reset in one transaction; it
// revokes every session, audits password.reset and mails a notice. Second
// factors are untouched, so the next sign-in still asks for one.
//
// Codes (sign-up and reset): 6 random digits, 15 minutes, stored only as
// HMAC-SHA256 under the 2FA data key (KeySource) over the kind, the request
// id and the code; each attempt is counted before the comparison, which is
// constant-time; the fifth wrong one voids the pending sign-up or reset
// (429 too_many_attempts).
//
// Email verification: account.User.EmailVerified is set for every account
// made by a confirmed sign-up or an accepted invitation. Records written
// before the attribute existed have none and read as verified
// (User.EmailIsVerified): the migration is in code, no item is rewritten.
// Passwords follow package password's policy and hash.
//
// Sign-in: a wrong email and a wrong password give the same 401 and cost
// the same hash and DynamoDB reads, so the answer does not tell whether an
// account exists. Failures are limited per account (LOGIN_MAX_FAILURES, 10)
// and per client IP (LOGIN_MAX_FAILURES_PER_IP, 100) in LOGIN_WINDOW (15
// minutes); then 429 rate_limited with Retry-After. The budgets are
// ratelimit.Fair: each attempt is taken atomically before the password is
// checked (parallel guesses get at most the budget of checks), a refused
// attempt takes nothing, a right password gives its attempt back and waits
// for attempts still in flight instead of being refused because of them.
// Accepted trade-off: anyone can lock an account's password sign-in for one
// window by sending wrong passwords for its email (passkey sign-in stays
// open).
//
// Password sign-in makes at most 4 DynamoDB round trips: both budgets
// together; the email; the credential and the user record in one
// BatchGetItem; the budgets given back together with the session (or the
// second step's challenge) and the device record.
//
// New-device notice: every completed sign-in (password, passkey, second
// step) records its device, USER#<uid>/DEVICE#<key> with a 90-day TTL; the
// key hashes the browser and OS families of the user agent and the /24 of
// an IPv4 or /48 of an IPv6 address. A device not seen in 90 days mails the
// user when, which browser and OS, which IP and how to end that session,
// unless it is the account's first recorded sign-in (mark USER#<uid>/DEVICES)
// or the user turned account email off in the notification preferences.
//
// A successful sign-in issues a session (package sessions), or, when the
// user has a second factor, a challenge the second step must answer (5
// minutes, 5 tries, bound to the client, used once). Sign-out revokes the
// current session.
package auth
