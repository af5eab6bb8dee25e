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
//
// Access patterns:
// Pattern                              | Key / index                                  | Operation
// -------------------------------------|----------------------------------------------|---------------------------------
// authenticate a request               | USER#<uid>/SESSION#<sid> + USER#<uid>/PROFILE | BatchGetItem, consistent
// sign in by email                     | EMAIL#<email>/EMAIL then USER#<uid>/PASSWORD  | GetItem x2
// sign up (email unique)               | EMAIL item attribute_not_exists + user, org… | TransactWriteItems
// list a user's sessions               | pk = USER#<uid>, sk begins_with SESSION#      | Query, consistent
// revoke sessions                      | USER#<uid>/SESSION#<sid>                      | DeleteItem (BatchWriteItem)
// update profile without lost updates  | USER#<uid>/PROFILE, version = :read           | UpdateItem/PutItem, conditional
// list an organization's members       | pk = ORG#<oid>, sk begins_with MEMBER#        | Query
// count failures in a window           | RATE#…/W#…                                    | UpdateItem ADD, GetItem

const (
	prefixUser    = "USER#"
	prefixEmail   = "EMAIL#"
	prefixOrg     = "ORG#"
	prefixSession = "SESSION#"
	prefixMember  = "MEMBER#"
	prefixRate    = "RATE#"

	skProfile  = "PROFILE"
	skPassword = "PASSWORD"
	skEmail    = "EMAIL"
	skOrg      = "ORG"
)

// UserPK is the partition of everything that belongs to one user.
func UserPK(uid string) string { return prefixUser + uid }

// EmailPK is the uniqueness item of an (already normalised) email.
func EmailPK(email string) string { return prefixEmail + email }

// OrgPK is the partition of an organization.
func OrgPK(oid string) string { return prefixOrg + oid }

// SessionSK is a session's sort key.
func SessionSK(sid string) string { return prefixSession + sid }

// MemberSK is a membership's sort key under its organization.
func MemberSK(uid string) string { return prefixMember + uid }
