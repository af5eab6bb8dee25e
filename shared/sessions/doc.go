// Package sessions issues, validates and revokes sign-in sessions, and
// serves the function `sessions` (GET /v1/me/sessions, DELETE
// /v1/me/sessions/{id}, POST /v1/me/sessions/revoke: sign out other
// devices).
//
// A token is "<userId>.<sessionId>.<secret>" where the secret is 256 random
// bits. Only the SHA-256 of the secret is stored (a fast hash is right for a
// high-entropy secret); the ids in the token let one strongly consistent
// BatchGetItem fetch the session and the user record together, so every
// request validates its token in one round trip (GET /v1/me costs one; the
// benchmarks in package app measure ddb-requests/op) and a revoked session
// fails on the very next request.
//
// lastSeenAt is written at most once a minute. A session ends after
// SESSION_IDLE_TTL unused (30 days by default) or SESSION_ABSOLUTE_TTL in all
// (90 days); both are context values (sessionIdleTtl, sessionAbsoluteTtl).
// Password change, 2FA changes with revokeOtherSessions and account deletion
// revoke sessions through this package.
package sessions
