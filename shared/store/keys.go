package store

// Every key shape and access pattern of the single table, in one place.
// Add a row here whenever code reads or writes a new kind of item.
//
// Item                    | pk                    | sk                      | gsi / ttl            | written by
// ------------------------|-----------------------|-------------------------|----------------------|-----------------
// user record             | USER#<uid>            | PROFILE                 |                      | auth, profile, verification, twofactor
// password credential     | USER#<uid>            | PASSWORD                |                      | auth, profile
// email uniqueness        | EMAIL#<email>         | EMAIL                   |                      | auth, verification
// session                 | USER#<uid>            | SESSION#<sid>           | ttl = expiry         | auth, sessions
// organization            | ORG#<oid>             | ORG                     |                      | auth
// membership              | ORG#<oid>             | MEMBER#<uid>            |                      | auth (mirrors User.Orgs)
// rate-limit counter      | RATE#<scope>#<key>    | W#<window start unix>   | ttl = window end     | auth, profile, verification
// notification prefs      | USER#<uid>            | PREFS#NOTIFICATIONS     |                      | profile (full matrix; PUT replaces it)
// avatar objects          | S3 uploads bucket: uploads/<uid>/<uploadId> (raw, deleted once processed); avatars/<uid>/<uploadId>-<512|128>.<png|jpg> | | avatar, profile
// org balance             | ORG#<oid>             | BALANCE                 | gsi1: LOW#<shard> / <oid> while low (*) | balances, low-credit, profile
// billing alert           | ORG#<oid>             | ALERT#<uid>             | gsi2: ALERTORG#<oid>#ARMED|FIRED / <CUR>#<19-digit threshold>#<uid> while enabled | profile, balances, low-credit
//
// (*) "low" = the balance is below the highest enabled billing-alert threshold
// (same currency) of the organization; <shard> = fnv32a(oid) % LowShards.
// The balance item is written only if its computedAtNs is newer than the
// stored one (order-safe, idempotent). A billing alert's gsi2 partition
// says its state, so each query reads only alerts that have work to do.
// pending email/phone chg| USER#<uid>            | VERIFY#EMAIL, VERIFY#PHONE | ttl = code expiry | verification (one per kind; a new request replaces it)
// audit entry             | USER#<subject>        | AUDIT#<at>#<id>         | gsi1 AUDITORG#<oid> / <at>#<id> (when orgId); gsi2 AUDITACTOR#<actor> / <at>#<id> | audit (every capability)
// anonymized audit entry  | AUDITANON#<pseudonym> | AUDIT#<at>#<id>         | same gsi1; gsi2 AUDITACTOR#<pseudonym> | org (account deletion)
// pending sign-up         | SIGNUP#<email>        | SIGNUP                  | ttl = 24 h           | auth (id, password hash, names, HMAC of the code under the data key, attempts, codeExpiresAt = 15 min; a new request replaces it; confirmed = deleted with the account's creation)
// password reset          | USER#<uid>            | PWRESET                 | ttl = 15 min         | auth (id, HMAC of the code under the data key, attempts; a new request replaces it; used = deleted with the password's write)
// invitation              | INVITE#<inviteId>     | INVITE                  | ttl = 7 days         | org (email, names, org, role, sha256 of the token's secret; no user/EMAIL item until accepted; deleted on accept; expired = absent)
// invitation listing copy | ORG#<oid>             | INVITE#<inviteId>       | ttl = expiry         | org (same attributes; written and deleted with the invitation)
// (organization item ORG#<oid>/ORG carries `rev`, the roster revision every membership change bumps conditionally.)
// daily summary entry    | USER#<uid>            | DIGEST                  | gsi1: DUE#<shard> / <12-digit due unix>#<uid> while enabled (**) | profile (AfterSave hook), daily-summary, daily-summary-worker
// activity (user's copy)  | USER#<uid>            | ACTIVITY#<activityId>   | gsi2: ACTS#<uid> / <12-digit start unix>#<activityId> unless cancelled; ttl = latest of start/end/updatedAt + 90 d | activities
//
// (**) <shard> = fnv32a(uid) % dailysummary.Shards (16). The entry also holds due,
// day (local date of due), timezone, time, sentThrough (last local day sent)
// and sourceVersion (the user version it was computed from). A cancelled
// activity stays as a tombstone with its version, out of gsi2.
// event outbox           | OUTBOX                | <occurredAt>#<eventId>  | ttl = 14 days        | events (org, ...): an event not yet published; deleted once published
// 2FA authenticator      | USER#<uid>            | MFA#TOTP                |                      | twofactor (sealed secret, lastStep), auth (advances lastStep)
// 2FA pending authent.   | USER#<uid>            | MFA#TOTP#PENDING        | ttl = 15 min         | twofactor
// 2FA backup code        | USER#<uid>            | MFA#BACKUP#<2-char id>  |                      | twofactor, auth (conditional delete on use)
// 2FA sign-in challenge  | USER#<uid>            | MFACHAL#<hex> (id <uid>.<hex>) | ttl = 5 min    | auth
// 2FA passkey            | USER#<uid>            | MFA#PASSKEY#<credId b64url> |                  | twofactor, auth (signCount, lastUsedAt)
// 2FA passkey ceremony   | USER#<uid>            | MFA#WEBAUTHN#REG        | ttl = 5 min          | twofactor (taken by a conditional delete)
// 2FA step-up proof     | USER#<uid>            | MFA#STEPUP#WEBAUTHN#<32 hex>, MFA#STEPUP#SMS | ttl = 5 min | twofactor (passkey step-up ceremony; HMAC of an SMS step-up code, a new one replaces it; both taken by a conditional delete)
// 2FA lock (escalating)  | USER#<uid>            | MFA#LOCK                | ttl = until + 30 d   | auth (strikes, window, until; written conditioned on strikes, deleted by a successful sign-in)
// passkey id uniqueness  | PASSKEY#<credId b64url> | PASSKEY               |                      | twofactor (in the registration transaction, attribute_not_exists; userId)
// passkey sign-in cerem. | PASSKEYLOGIN#<32 hex> | CEREMONY                | ttl = 5 min          | twofactor (passwordless sign-in; taken by a delete)
// devices-known mark     | USER#<uid>            | DEVICES                 |                      | auth (written once, at the first recorded sign-in; since)
// known sign-in device   | USER#<uid>            | DEVICE#<32 hex: sha256 of browser, OS and /24 or /48> | ttl = 90 days | auth (new-device notice; browser, os, ip, lastSeenAt)
// SSO configuration      | ORG#<oid>             | SSO                     |                      | sso (issuer, clientId, client secret sealed with the data key, domains, enforce, idpUrl)
// SSO domain claim       | ORG#<oid>             | DOMAIN#<domain>         |                      | sso (TXT token, verified, verifiedAt)
// verified domain owner  | DOMAIN#<domain>       | DOMAIN                  |                      | sso (orgId; written only if absent or this org's: one organization per domain)
// SSO sign-in in flight  | SSOSTATE#<sha256 of state> | SSOSTATE           | ttl = 10 min         | sso (orgId, nonce, PKCE verifier; taken by a DeleteItem ALL_OLD, so a state works once)
// connection            | USER#<uid>            | CONN#<id>               | gsi1: REFRESH#<shard> / <12-digit next refresh unix>#<uid>#<id> while a refresh token is to be renewed (***) | connections (sealed credentials, calendars, status, mailSync, version)
// started OAuth flow    | CONNSTATE#<sha256 of state> | STATE             | ttl = 10 min         | connections (userId, provider, purpose, sealed PKCE verifier; taken by a conditional delete)
//
// (***) <shard> = fnv32a(uid) % connections.Shards (4).
//
// Access patterns:
// Pattern                              | Key / index                                  | Operation
// -------------------------------------|----------------------------------------------|---------------------------------
// authenticate a request               | USER#<uid>/SESSION#<sid> + USER#<uid>/PROFILE | BatchGetItem, consistent
// sign in by email                     | EMAIL#<email>/EMAIL then USER#<uid>/PASSWORD + PROFILE | GetItem, BatchGetItem consistent
// take / fail a sign-in attempt       | RATE#…/W#…, hits < :max (ALL_OLD on refusal); ADD fails | UpdateItem, conditional
// record a sign-in device             | USER#<uid>/DEVICE#<key> (ALL_OLD: seen before?) | PutItem
// first sign-in of the account?       | USER#<uid>/DEVICES attribute_not_exists       | PutItem, conditional
// register a passkey (id unique)      | PROFILE version + MFA#PASSKEY#<id> + PASSKEY#<id> not exists | TransactWriteItems
// passwordless passkey sign-in        | PASSKEYLOGIN#<id> delete (ALL_OLD), then USER#<uid>/PROFILE + MFA#PASSKEY#<id> | DeleteItem, BatchGetItem
// request a sign-up (replaces)        | SIGNUP#<email>/SIGNUP                         | PutItem
// confirm a sign-up (email unique)     | SIGNUP id = :id (delete) + EMAIL item attribute_not_exists + user, org… | TransactWriteItems
// request a password reset (replaces)  | USER#<uid>/PWRESET                            | PutItem
// count a sign-up/reset code attempt   | SIGNUP#<email>/SIGNUP or USER#<uid>/PWRESET, id = :id AND attempts < :max | UpdateItem, conditional
// reset a password with a code         | USER#<uid>/PWRESET id = :id (delete) + USER#<uid>/PASSWORD | TransactWriteItems
// list a user's sessions               | pk = USER#<uid>, sk begins_with SESSION#      | Query, consistent
// revoke sessions                      | USER#<uid>/SESSION#<sid>                      | DeleteItem (BatchWriteItem)
// update profile without lost updates  | USER#<uid>/PROFILE, version = :read           | UpdateItem/PutItem, conditional
// list an organization's members       | pk = ORG#<oid>, sk begins_with MEMBER#        | Query
// count failures in a window           | RATE#…/W#…                                    | UpdateItem ADD, GetItem
// give back an attempt (floor 0)       | RATE#…/W#…, hits > 0                          | UpdateItem ADD -1, conditional
// rehash a password at sign-in         | USER#<uid>/PASSWORD, hash = :read             | UpdateItem, conditional
// store a balance (newer wins)         | ORG#<oid>/BALANCE, computedAtNs < :new        | PutItem, conditional
// organizations to evaluate (schedule) | gsi1 gsi1pk = LOW#<shard>, every shard         | Query (sparse: low orgs only)
// alerts to send at balance B          | gsi2 ALERTORG#<oid>#ARMED, sk > <CUR>#pad(B)   | Query
// alerts to re-arm at balance B        | gsi2 ALERTORG#<oid>#FIRED, sk <= <CUR>#pad(B)  | Query
// armed alerts recovered at balance B  | gsi2 ALERTORG#<oid>#ARMED, sk <= <CUR>#pad(B)  | Query (then clear their sent channels)
// is the org low at B (max threshold)  | both of the above partitions, sk > pad(B)     | Query Limit 1 (x2)
// send an alert exactly once           | ORG#<oid>/ALERT#<uid>: claim lease (armed, rule, no live lease), disarm on lease | UpdateItem, conditional
// request an email/phone change       | USER#<uid>/VERIFY#<KIND>                      | PutItem (replaces)
// count a confirmation attempt         | USER#<uid>/VERIFY#<KIND>, id = :id AND attempts < :max | UpdateItem, conditional
// confirm email change                 | EMAIL#<new> not exists + EMAIL#<old> userId = :uid + PROFILE version + VERIFY#EMAIL id, ttl | TransactWriteItems
// confirm phone change                 | PROFILE version + VERIFY#PHONE id, ttl        | TransactWriteItems
// record an audit entry                | USER#<subject>/AUDIT#<at>#<id> not exists     | PutItem, conditional (append-only)
// list a user's audit entries          | pk = USER#<uid>, sk begins_with AUDIT#, desc  | Query, consistent, paged
// start SSO for an address            | DOMAIN#<domain>/DOMAIN then ORG#<oid>/SSO     | GetItem x2, consistent
// verify a domain                      | DOMAIN#<domain> not exists OR orgId = :oid + ORG#<oid>/DOMAIN#<d> | TransactWriteItems
// SSO callback (state once)            | SSOSTATE#<hash> delete ALL_OLD                | DeleteItem
// just-in-time SSO account             | EMAIL item not exists + user + MEMBER# + ORG rev +1 | TransactWriteItems
// list an organization's audit entries | gsi1 AUDITORG#<oid>, desc                     | Query gsi1, paged
// find entries a user authored         | gsi2 AUDITACTOR#<uid>                         | Query gsi2 (account deletion)
// read an organization's roster       | pk = ORG#<oid> (ORG + MEMBER#*), consistent   | Query
// change a membership                  | PROFILE version + MEMBER#<uid> + ORG rev = :r  | TransactWriteItems
// invite someone (any address)         | INVITE#<id>/INVITE + ORG#<oid>/INVITE#<id> not exists | TransactWriteItems
// list an organization's invitations   | pk = ORG#<oid>, sk begins_with INVITE#        | Query, consistent (expired filtered)
// revoke an invitation                 | INVITE#<id>/INVITE orgId = :oid + ORG#<oid>/INVITE#<id> | TransactWriteItems
// accept an invitation, new account    | INVITE tokenHash = :h, ttl > now (delete) + EMAIL not exists + PROFILE + PASSWORD + MEMBER + SESSION + ORG rev | TransactWriteItems
// accept an invitation, signed in      | INVITE tokenHash = :h, ttl > now (delete) + PROFILE version + MEMBER not exists + ORG rev | TransactWriteItems
// a user's organizations (names)       | ORG#<oid>/ORG for each of User.Orgs          | BatchGetItem, consistent
// leave every organization (deletion)  | PROFILE version + per org: MEMBER#<uid>, ALERT#<uid> (delete) + ORG rev = :r (<= 33 orgs) | TransactWriteItems
// delete an account                    | pk = USER#<uid> (all but PROFILE, PASSWORD, AUDIT#) in batches, RATE#reauth#<uid>, then EMAIL (userId = :uid) + PROFILE + PASSWORD | Query, BatchWriteItem, TransactWriteItems
// schedule a user's daily summary      | USER#<uid>/DIGEST, not exists OR sourceVersion < :v | UpdateItem, conditional (SET or REMOVE gsi1 attrs)
// daily summaries due now              | gsi1 gsi1pk = DUE#<shard>, gsi1sk < pad(now+1s), every shard | Query, paged (sparse: enabled users only)
// drop a deleted account's entry       | USER#<uid>/DIGEST                                   | DeleteItem (never recreates)
// claim a user's day (send once)       | USER#<uid>/DIGEST, gsi1sk = :read AND sentThrough < :day | UpdateItem, conditional (release: gsi1sk = :claimed)
// take a queued claim (fan-out worker) | USER#<uid>/DIGEST, pendingDay = :day AND sentThrough = :day (REMOVE pendingDay; give back: SET if absent) | UpdateItem, conditional
// one user's activities of a local day | gsi2 ACTS#<uid>, gsi2sk BETWEEN pad(dayStart) AND pad(dayEnd-1s)+"$" | Query
// apply an activity event (newer wins) | USER#<uid>/PROFILE exists + USER#<uid>/ACTIVITY#<aid>, not exists OR version < :v | TransactWriteItems (ConditionCheck, Put)
// events to publish (outbox sweep)     | pk = OUTBOX, oldest first                     | Query, consistent, Limit
// 2FA factor change (user + factor items) | USER#<uid>/PROFILE version + MFA#* items | TransactWriteItems
// TOTP replay guard                    | USER#<uid>/MFA#TOTP, lastStep < :step         | UpdateItem, conditional
// check one backup code                | USER#<uid>/MFA#BACKUP#<id>, then hash = :h    | GetItem, DeleteItem conditional
// count backup codes                   | pk = USER#<uid>, sk begins_with MFA#BACKUP#   | Query, consistent
// 2FA attempt / redeem a challenge     | USER#<uid>/MFACHAL#<hex>, attempts < 5, used = false, ttl > now | UpdateItem, conditional
// list a user's passkeys              | pk = USER#<uid>, sk begins_with MFA#PASSKEY#  | Query, consistent
// passkey sign-in (counter forward)    | USER#<uid>/MFA#PASSKEY#<id>, signCount < :n   | UpdateItem, conditional
// list a user's connections            | pk = USER#<uid>, sk begins_with CONN#         | Query, consistent
// change a connection (no lost update) | USER#<uid>/CONN#<id>, version = :read         | PutItem, conditional
// complete an OAuth flow (once, own)   | CONNSTATE#<hash>/STATE, userId = :uid AND provider = :p | DeleteItem, conditional (ALL_OLD)
// tokens to refresh (schedule)         | gsi1 gsi1pk = REFRESH#<shard>, gsi1sk < pad(now)#, every shard | Query, Limit (sparse: renewable tokens only)

const (
	PrefixUser    = "USER#"
	PrefixEmail   = "EMAIL#"
	PrefixOrg     = "ORG#"
	PrefixSession = "SESSION#"
	PrefixMember  = "MEMBER#"
	PrefixRate    = "RATE#"
	PrefixAlert   = "ALERT#"
	PrefixLow     = "LOW#"
	// prefixAlertOrg is the gsi2 partition of an organization's billing alerts.
	PrefixAlertOrg = "ALERTORG#"

	PrefixAudit      = "AUDIT#"
	PrefixAuditOrg   = "AUDITORG#"
	PrefixAuditActor = "AUDITACTOR#"
	PrefixAuditAnon  = "AUDITANON#"

	SKProfile  = "PROFILE"
	SKPassword = "PASSWORD"
	SKEmail    = "EMAIL"
	SKOrg      = "ORG"
)

// UserPK is the partition of everything that belongs to one user.
func UserPK(uid string) string { return PrefixUser + uid }

// EmailPK is the uniqueness item of an (already normalised) email.
func EmailPK(email string) string { return PrefixEmail + email }

// OrgPK is the partition of an organization.
func OrgPK(oid string) string { return PrefixOrg + oid }

// SessionSK is a session's sort key.
func SessionSK(sid string) string { return PrefixSession + sid }

// MemberSK is a membership's sort key under its organization.
func MemberSK(uid string) string { return PrefixMember + uid }

// Keys of the capabilities stored by the subpackages (twofactordb, dailysummarydb,
// orgdb, billingdb, prefsdb, verificationdb): listed here so this file stays the
// one place that shows every key shape.

// Two-factor items (twofactordb).
const (
	SKTOTP        = "MFA#TOTP"
	SKTOTPPending = "MFA#TOTP#PENDING"
	PrefixBackup  = "MFA#BACKUP#"
	PrefixMFAChal = "MFACHAL#"
	PrefixPasskey = "MFA#PASSKEY#"
	SKWebAuthnReg = "MFA#WEBAUTHN#REG"
	SKMFALock     = "MFA#LOCK"
	// PrefixStepUp: a step-up proof waiting for the sensitive change it
	// allows (MFA#STEPUP#WEBAUTHN#<id>, MFA#STEPUP#SMS).
	PrefixStepUp = "MFA#STEPUP#"
	// PrefixPasskeyID / SKPasskeyID: the uniqueness item of a passkey's
	// credential id across all accounts.
	PrefixPasskeyID = "PASSKEY#"
	SKPasskeyID     = "PASSKEY"
	// PrefixPasskeyLogin / SKCeremony: a passwordless sign-in ceremony.
	PrefixPasskeyLogin = "PASSKEYLOGIN#"
	SKCeremony         = "CEREMONY"
)

// PrefixDevice is the sort key prefix of a user's known sign-in devices
// (authdb), and SKDevicesKnown the mark that the user has signed in from
// at least one device (the first sign-in mails no new-device notice).
const (
	PrefixDevice   = "DEVICE#"
	SKDevicesKnown = "DEVICES"
)

// Daily summary entries and activities (dailysummarydb).
const (
	SKDigest         = "DIGEST"
	PrefixDue        = "DUE#"
	PrefixActivity   = "ACTIVITY#"
	PrefixActivities = "ACTS#"
)

// Connected accounts and started OAuth flows (connectionsdb).
const (
	PrefixConnection = "CONN#"
	PrefixConnState  = "CONNSTATE#"
	SKConnState      = "STATE"
	PrefixRefresh    = "REFRESH#"
)

// Pending sign-ups and password resets (authdb).
const (
	PrefixSignUp    = "SIGNUP#"
	SKSignUp        = "SIGNUP"
	SKPasswordReset = "PWRESET"
)

// SignUpPK is the partition of an (already normalised) email's pending
// sign-up.
func SignUpPK(email string) string { return PrefixSignUp + email }

// Invitations and the organization's roster revision attribute (orgdb).
const (
	PrefixInvite = "INVITE#"
	SKInvite     = "INVITE"
	AttrRev      = "rev"
)

// InvitePK is the partition of a pending invitation.
func InvitePK(id string) string { return PrefixInvite + id }

// PKOutbox is the partition of events not yet published (eventsdb).
const PKOutbox = "OUTBOX"

// SKBalance is the sort key of an organization's balance.
const SKBalance = "BALANCE"

// SKNotificationPrefs is a user's notification preferences item (prefsdb).
const SKNotificationPrefs = "PREFS#NOTIFICATIONS"
