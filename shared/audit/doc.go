// Package audit is the append-only log of security-relevant changes:
// password, email, phone and 2FA changes, sessions revoked, roles changed,
// profiles edited by an administrator, accounts deleted. Every capability
// records through Recorder; an entry holds the actor, the subject, the
// action, the time, the request id and the client IP. No API edits or
// deletes an entry; GET /v1/me/audit and GET /v1/organizations/{id}/audit
// (package org) list them.
//
// When an account is deleted its entries are kept for compliance with the
// user's id replaced by a stable pseudonym (see Pseudonym): entries about
// the user lose their IP and details, entries the user wrote about others
// lose the IP only.
package audit
