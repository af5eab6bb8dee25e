// Package auth is sign-up, sign-in and sign-out, served by the function
// `auth` (POST /v1/auth/signup, /login, /logout; the second sign-in step
// /login/mfa, /login/mfa/sms and /login/webauthn/* comes from package
// twofactor through the SecondFactor hook, and /accept-invite from package
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
// account exists. Failures are limited per account and per client IP
// (LOGIN_MAX_FAILURES in LOGIN_WINDOW, 10 in 15 minutes by default; then 429
// rate_limited with Retry-After). Each attempt is counted atomically before
// the password is checked and given back when it succeeds, so parallel
// guesses get at most the limit of checks. Accepted trade-off: anyone can
// lock an account's password sign-in for one window by sending wrong
// passwords for its email.
//
// A successful sign-in issues a session (package sessions), or, when the
// user has a second factor, a challenge the second step must answer (5
// minutes, 5 tries, bound to the client, used once). Sign-out revokes the
// current session.
package auth
