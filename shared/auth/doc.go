// Package auth is sign-up, sign-in and sign-out, served by the function
// `auth` (POST /v1/auth/signup, /login, /logout; the second sign-in step
// /login/mfa, /login/mfa/sms and /login/webauthn/* comes from package
// twofactor through the SecondFactor hook, as does passwordless passkey
// sign-in /passkey/begin and /passkey/finish, and /accept-invite from package
// org).
//
// Sign-up trims and lower-cases the email, then writes the user, the
// password hash, the first session and an organization the user owns in one
// conditional transaction that also claims the email's uniqueness, so two
// sign-ups with one address cannot both succeed (409 email_taken).
// SIGNUP_ENABLED=false (context value signupEnabled) closes sign-up, leaving
// invitations only; sign-ups are limited to 20 an hour per client IP.
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
