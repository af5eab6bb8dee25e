// Package org is organizations and their staff: invitations, staff
// profiles (GET/PATCH /v1/users/{id}), roles, the audit log listings and
// account deletion. Its routes are served by the profile-edit function (API.md
// lists them under Profile; the catalog entry says so), except POST
// /v1/auth/accept-invite, which the auth function serves. Its storage is
// store/orgdb.
//
// Sign-up creates an organization owned by the user; the X-Organization-Id
// header picks the organization a request acts in. Owners and admins invite
// staff with a single-use token, valid 7 days, sent by email. Who may read,
// edit, invite or change roles is decided by one role matrix, authz.Can,
// and nothing else. Every change is recorded by package audit.
//
// GET /v1/me/organizations lists the caller's organizations and roles.
// Owners remove any member but the last owner, administrators remove users
// (DELETE /v1/organizations/{id}/members/{userId}); any member but the last
// owner leaves (POST /v1/organizations/{id}/leave). The user record carries
// the memberships every request reads, so a removal takes effect on the
// member's very next request, in that organization only.
//
// Owners and administrators list an organization's pending invitations
// and revoke them (the token stops working at once). At acceptance the
// inviter must still be allowed to make the invitation; otherwise it is
// void (410 invitation_void) and deleted. Invitations are limited per
// inviter and per recipient address a day, and their emails show names
// as plain text only (PlainName).
//
// GET /v1/me/export is the personal data export (5 a day, audited): every
// kind of item the table keeps about the user is either exported, through
// an allowlist of attributes (never secrets, hashes or codes), or listed in
// the export's leftOut with the reason (ExportKinds, checked against
// store/keys.go by a test).
//
// DELETE /v1/me first checks every organization (409 sole_owner for the
// only owner of one with other members) and leaves them all in one
// transaction, conditioned on each roster's revision: a refused or raced
// deletion changes nothing (at most MaxDepartures organizations; more is
// refused until the user leaves some). It then removes the profile,
// credentials, sessions, 2FA data, codes, uniqueness items and avatar files in batches.
// It is idempotent and resumable (send it again after an interruption). The
// user's audit entries stay, with the actor replaced by a stable pseudonym:
// entries about the user lose their IP and details; entries the user wrote
// about others lose the IP only.
package org
