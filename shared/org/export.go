package org

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/ratelimit"
)

// StoredItem is one item of the table kept about a user, as read for the
// personal data export: its sort key and attributes (keys and index
// attributes dropped).
type StoredItem struct {
	PK, SK string
	Attrs  map[string]any
}

// ExportKind says what the export does with one kind of item: the section
// it goes to with the attributes kept (every other attribute, secrets
// first, is left out), or why the kind is left out altogether.
type ExportKind struct {
	// Item is the item's name in store/keys.go's table.
	Item string
	// Match tells the kind by its partition and sort key.
	Match func(pk, sk string) bool
	// Section of the export ("" when left out) and the attributes kept.
	Section string
	Keep    []string
	// LeftOut says why the kind is not in the export.
	LeftOut string
}

func skIs(v string) func(pk, sk string) bool {
	return func(pk, sk string) bool { return strings.HasPrefix(pk, "USER#") && sk == v }
}

func skHas(p string) func(pk, sk string) bool {
	return func(pk, sk string) bool { return strings.HasPrefix(pk, "USER#") && strings.HasPrefix(sk, p) }
}

func never(string, string) bool { return false }

// ExportKinds is every kind of item the table keeps, and what the personal
// data export does with it. A test checks it against store/keys.go. The
// order matters: the first match wins (MFA#TOTP#PENDING before MFA#TOTP).
var ExportKinds = []ExportKind{
	{Item: "user record", Match: skIs("PROFILE"), Section: "profile"},
	{Item: "password credential", Match: skIs("PASSWORD"), LeftOut: "the password hash is a credential; the export says only that a password is set"},
	{Item: "email uniqueness", Match: never, LeftOut: "holds only the profile's email and user id (in profile)"},
	{Item: "session", Match: skHas("SESSION#"), Section: "sessions", Keep: []string{"id", "userAgent", "ipAddress", "createdAt", "lastSeenAt", "expiresAt", "absoluteExpiry"}},
	{Item: "organization", Match: never, LeftOut: "the organization's own record; its id, name and the user's role are in memberships"},
	{Item: "membership", Match: never, LeftOut: "mirrors the profile's memberships (in memberships)"},
	{Item: "rate-limit counter", Match: never, LeftOut: "short-lived abuse counters (at most a day), keyed by hashes or ids; no personal content"},
	{Item: "notification prefs", Match: skIs("PREFS#NOTIFICATIONS"), Section: "notifications", Keep: []string{"prefs"}},
	{Item: "avatar objects", Match: never, LeftOut: "images, linked from the profile's avatarUrl"},
	{Item: "org balance", Match: never, LeftOut: "the organization's balance, not personal data"},
	{Item: "billing alert", Match: func(pk, sk string) bool { return strings.HasPrefix(pk, "ORG#") && strings.HasPrefix(sk, "ALERT#") }, Section: "billingAlerts", Keep: []string{"orgId", "enabled", "amount", "currency", "channels"}},
	{Item: "pending email/phone chg", Match: skHas("VERIFY#"), Section: "pendingChanges", Keep: []string{"kind", "target", "expiresAt"}},
	{Item: "audit entry", Match: skHas("AUDIT#"), Section: "audit"},
	{Item: "anonymized audit entry", Match: never, LeftOut: "belongs to deleted accounts only"},
	{Item: "invitation", Match: never, LeftOut: "an invitation belongs to its invitee until accepted; the invitations the user sent are in audit (member.invited)"},
	{Item: "invitation listing copy", Match: never, LeftOut: "copy of an invitation (see invitation)"},
	{Item: "daily summary entry", Match: skIs("DIGEST"), Section: "dailySummarySchedule", Keep: []string{"timezone", "time", "day", "sentThrough"}},
	{Item: "activity (user's copy)", Match: skHas("ACTIVITY#"), Section: "activities", Keep: []string{"activityId", "kind", "title", "startAt", "endAt", "location", "updatedAt", "cancelled"}},
	{Item: "event outbox", Match: never, LeftOut: "events about the change, kept minutes until published; ids and field names only"},
	{Item: "2FA pending authent.", Match: skIs("MFA#TOTP#PENDING"), LeftOut: "a set-up in progress (15 minutes): its only content is the secret"},
	{Item: "2FA authenticator", Match: skIs("MFA#TOTP"), Section: "twoFactor", Keep: []string{"createdAt"}},
	{Item: "2FA backup code", Match: skHas("MFA#BACKUP#"), Section: "backupCodes", Keep: []string{"id"}},
	{Item: "2FA sign-in challenge", Match: skHas("MFACHAL#"), LeftOut: "a sign-in in progress (5 minutes), holding only hashed codes"},
	{Item: "2FA passkey", Match: skHas("MFA#PASSKEY#"), Section: "passkeys", Keep: []string{"id", "name", "createdAt", "lastUsedAt"}},
	{Item: "2FA passkey ceremony", Match: skIs("MFA#WEBAUTHN#REG"), LeftOut: "a registration in progress (5 minutes), holding only the challenge"},
	{Item: "2FA lock (escalating)", Match: skIs("MFA#LOCK"), Section: "secondFactorLock", Keep: []string{"strikes", "until"}},
	{Item: "passkey id uniqueness", Match: never, LeftOut: "holds only a passkey's credential id and the user id (the passkey is in passkeys)"},
	{Item: "passkey sign-in cerem.", Match: never, LeftOut: "a passwordless sign-in in progress (5 minutes), holding only the challenge"},
	{Item: "pending sign-up", Match: never, LeftOut: "exists only before the account does (24 hours); its names become the profile's"},
	{Item: "password reset", Match: skIs("PWRESET"), LeftOut: "a reset in progress (15 minutes), holding only the hash of the mailed code"},
	{Item: "devices-known mark", Match: skIs("DEVICES"), Section: "signInDevicesSince", Keep: []string{"since"}},
	{Item: "known sign-in device", Match: skHas("DEVICE#"), Section: "signInDevices", Keep: []string{"browser", "os", "ip", "lastSeenAt"}},
	{Item: "SSO configuration", Match: never, LeftOut: "the organization's single sign-on settings, not personal data"},
	{Item: "SSO domain claim", Match: never, LeftOut: "the organization's email domains, not personal data"},
	{Item: "verified domain owner", Match: never, LeftOut: "which organization owns a domain, not personal data"},
	{Item: "SSO sign-in in flight", Match: never, LeftOut: "a single sign-on in progress (10 minutes), holding only the state, nonce and PKCE verifier"},
	{Item: "connection", Match: skHas("CONN#"), Section: "connections", Keep: []string{"id", "provider", "account", "scopes", "purposes", "status", "connectedAt", "mailSync", "meetingUrl", "calendars"}},
	{Item: "started OAuth flow", Match: never, LeftOut: "a connection in progress (10 minutes), holding only the state and the sealed PKCE verifier"},
	{Item: "2FA step-up proof", Match: skHas("MFA#STEPUP#"), LeftOut: "a step-up in progress (5 minutes), holding only a challenge or a hashed code"},
}

// profileKeep are the profile attributes exported (never the version or
// internal flags).
var profileKeep = []string{"id", "email", "phone", "phoneVerified", "firstName", "lastName", "displayName", "avatarUrl",
	"language", "region", "timezone", "ssoManaged", "signature", "availability", "dailySummary", "calendar", "twoFactor",
	"createdAt", "updatedAt"}

// ExportData builds the personal data export of u (GET /v1/me/export):
// profile and preferences, sessions (metadata), 2FA methods (names and
// dates, never secrets or codes), memberships and roles, audit entries
// about them, pending email/phone changes (without codes), billing alerts,
// daily-summary schedule and activities. Limited (Exports, 5 a day when
// wired) and audited as account.exported.
func (s *Service) ExportData(ctx context.Context, u account.User) (map[string]any, error) {
	if s.Exports.Store != nil {
		err := s.Exports.Hit(ctx, "export#"+u.ID)
		var l *ratelimit.Limited
		if errors.As(err, &l) {
			return nil, &account.Error{Code: account.CodeRateLimited, Detail: "Too many exports today; try again later.", RetryAfter: l.RetryAfter}
		}
		if err != nil {
			return nil, account.Internal(err)
		}
	}
	items, err := s.Store.UserItems(ctx, u.ID, sortedOrgs(u))
	if err != nil {
		return nil, account.Internal(err)
	}
	orgs, err := s.MyOrganizations(ctx, u)
	if err != nil {
		return nil, err
	}
	out := map[string]any{
		"exportedAt":  s.Now().UTC(),
		"memberships": orgs,
		"passwordSet": false,
	}
	leftOut := map[string]string{}
	for _, k := range ExportKinds {
		if k.LeftOut != "" {
			leftOut[k.Item] = k.LeftOut
		}
		if k.Section != "" && k.Section != "profile" {
			out[k.Section] = []any{}
		}
	}
	out["leftOut"] = leftOut
	for _, it := range items {
		k, ok := kindOf(it.PK, it.SK)
		if !ok {
			// An item kind nobody listed: left out (the test fails first).
			continue
		}
		switch {
		case k.Item == "password credential":
			out["passwordSet"] = true
		case k.Section == "profile":
			out["profile"] = keep(it.Attrs, profileKeep)
		case k.Section == "audit":
			// Audit entries through the same view as GET /v1/me/audit.
		case k.Section != "":
			out[k.Section] = append(out[k.Section].([]any), keep(it.Attrs, k.Keep))
		}
	}
	entries, err := s.allMyAudit(ctx, u)
	if err != nil {
		return nil, err
	}
	out["audit"] = entries
	if err := s.record(ctx, u.ID, u.ID, "", audit.ActionAccountExported, nil); err != nil {
		return nil, err
	}
	return out, nil
}

func kindOf(pk, sk string) (ExportKind, bool) {
	for _, k := range ExportKinds {
		if k.Match(pk, sk) {
			return k, true
		}
	}
	return ExportKind{}, false
}

func keep(attrs map[string]any, names []string) map[string]any {
	out := make(map[string]any, len(names))
	for _, n := range names {
		if v, ok := attrs[n]; ok {
			out[n] = v
		}
	}
	return out
}

// allMyAudit reads every audit entry about u, as GET /v1/me/audit shows them.
func (s *Service) allMyAudit(ctx context.Context, u account.User) ([]audit.Entry, error) {
	var all []audit.Entry
	cursor := ""
	for {
		page, err := s.MyAudit(ctx, u, Page{Limit: 100, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		all = append(all, page.Entries...)
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].At.After(all[j].At) })
	if all == nil {
		all = []audit.Entry{}
	}
	return all, nil
}
