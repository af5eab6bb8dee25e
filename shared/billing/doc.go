// Package billing is the low-credit alert capability: each organization's
// latest balance (kept current from the billing system's "Balance Changed"
// events, function `balances`), each member's alert subscription (GET/PUT
// /v1/me/billing-alert, function `profile`), and the alert rule that tells a
// member once per crossing of their threshold, by email and/or SMS
// (functions `balances` at once, `low-credit` every 15 minutes as the safety
// net). Its storage is store/billingdb and its wiring app/billingwire.
//
// Balance events come from platform.billing with the detail
// {organizationId, balance: {amount, currency}, computedAt}, the amount in
// ISO 4217 minor units (e.g. fils for KWD), shown with CLDR's usual decimals
// (sample: events/balance-changed.json). Only a newer computedAt replaces
// the stored balance.
//
// A member with the billing permission (owner, admin) sets {enabled,
// threshold, channels}. The rule, per subscription:
//
//	armed  and balance <  threshold  -> alert by each channel, then disarm
//	!armed and balance >= threshold  -> re-arm
//
// Exactly once per crossing is decided by conditional writes, never by a
// read: a sender first claims the armed subscription with a short lease
// (armed = true AND no live lease), sends by each channel in the member's
// language and currency format, and only on success disarms (conditioned on
// still holding the lease). A failed send releases the lease and leaves the
// subscription armed for the next run; channels that did go out are
// remembered so a retry sends only the missing ones. A crossing that
// recovered before every channel went out is forgotten, so the next one
// uses every channel.
//
// Events are evaluated at once; the scheduled run reads only organizations
// below some threshold (a sparse index), so it touches none of the others,
// and counts its requests (run.go): per organization one Query for its
// balance and every subscription, a share of one BatchGetItem for the
// members to alert (records and notification preferences, 50 members per
// request across organizations), one transaction claiming its due alerts
// while the balance is unchanged; per alert sent one transactional disarm,
// also conditioned on the balance (a changed balance falls back to disarm,
// re-read and re-arm). BenchmarkScheduledRun counts requests with real
// reads and the SES emulator: at 1,000 organizations, 10 evaluated, 2.9
// requests per evaluated organization beyond one per alert.
package billing
