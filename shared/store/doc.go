// Package store is the DynamoDB core: the table, the helpers every storage
// package uses, and the items every function touches (users, credentials,
// sessions, rate limits, audit). Each capability's own storage lives in a
// subpackage named after it (twofactordb, verificationdb, dailysummarydb,
// billingdb, orgdb, prefsdb, authdb) that embeds Store, so a function links
// only the storage it uses; this package imports no capability beyond
// sessions, ratelimit and audit. With notify (and the S3 uploads in
// store/uploads), it is what talks to AWS.
//
// One table with generic keys (pk, sk), two sparse GSIs (gsi1, gsi2) and a
// TTL attribute; store/schema is its definition, used by the CDK stack, the
// local gateway and the tests. keys.go lists every key shape and access
// pattern, the subpackages' included. Locally the table is
// `myprofile-local` in DynamoDB Local; deployed it is on-demand with
// point-in-time recovery and retained when the stack is deleted.
package store
