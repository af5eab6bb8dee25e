// Package storetest seeds a table for the tests of the store packages
// (shared/store/*db): one sign-up, as auth stores it, that each of them
// builds on.
package storetest

import (
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/auth"
	"github.com/example/myprofile/shared/sessions"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/authdb"
)

// Owner stores, as of now, a new user (Ada Lovelace, at email, or at an
// address of the test's own when email is empty) owning a new
// organization, with a session, as a sign-up does. It returns the user's
// and the organization's ids.
func Owner(t testing.TB, st *store.Store, now time.Time, email string) (userID, orgID string) {
	t.Helper()
	if email == "" {
		email = testenv.Email(t)
	}
	id, oid := testenv.RandomID(t), testenv.RandomID(t)
	a := auth.NewAccount{
		User:         account.User{ID: id, Email: email, FirstName: "Ada", LastName: "Lovelace", CreatedAt: now, Orgs: map[string]account.Membership{oid: {Role: account.RoleOwner, JoinedAt: now}}},
		PasswordHash: "hash",
		Org:          account.Organization{ID: oid, Name: "Ada's", CreatedAt: now},
		Session:      Session(t, id, now),
	}
	if err := authdb.New(st).CreateAccount(t.Context(), a); err != nil {
		t.Fatalf("create account: %v", err)
	}
	return id, oid
}

// Session is a new session of user uid, started at now, valid an hour.
func Session(t testing.TB, uid string, now time.Time) sessions.Session {
	return sessions.Session{ID: testenv.RandomID(t), UserID: uid, TokenHash: testenv.RandomID(t), CreatedAt: now, LastSeenAt: now, AbsoluteExpiry: now.Add(time.Hour), ExpiresAt: now.Add(time.Hour)}
}
