package ssodb_test

import (
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/sso"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/ssodb"
	"github.com/example/myprofile/shared/store/storetest"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var now = time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC)

func newStore(t *testing.T) *ssodb.Store {
	t.Helper()
	db, table := testenv.DynamoDB(t)
	return ssodb.New(store.New(db, table))
}

// mustOrg signs up an owner of a new organization and returns the
// organization's id.
func mustOrg(t *testing.T, s *ssodb.Store) string {
	t.Helper()
	_, oid := storetest.Owner(t, s.Store, now, "")
	return oid
}

func TestConfig(t *testing.T) {
	s := newStore(t)
	oid := testenv.RandomID(t)
	if _, err := s.GetConfig(t.Context(), oid); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("GetConfig before any: %v, want ErrNotFound", err)
	}
	if err := s.DeleteConfig(t.Context(), oid); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("DeleteConfig before any: %v, want ErrNotFound", err)
	}
	c := sso.Config{OrgID: oid, Issuer: "https://idp.example.com", ClientID: "client", SecretEnc: "sealed", Domains: []string{"example.com"},
		Enforce: true, IdPURL: "https://idp.example.com/portal", UpdatedAt: now, UpdatedBy: "u1"}
	if err := s.PutConfig(t.Context(), c); err != nil {
		t.Fatalf("PutConfig: %v", err)
	}
	got, err := s.GetConfig(t.Context(), oid)
	if err != nil || got.Issuer != c.Issuer || got.SecretEnc != "sealed" || !got.Enforce || !slices.Equal(got.Domains, c.Domains) || !got.UpdatedAt.Equal(now) {
		t.Fatalf("GetConfig = %+v, %v; want %+v", got, err, c)
	}
	// PutConfig replaces.
	c.Enforce, c.Domains = false, []string{"example.com", "example.org"}
	if err := s.PutConfig(t.Context(), c); err != nil {
		t.Fatalf("PutConfig again: %v", err)
	}
	if got, _ := s.GetConfig(t.Context(), oid); got.Enforce || len(got.Domains) != 2 {
		t.Fatalf("after replace = %+v", got)
	}
	if err := s.DeleteConfig(t.Context(), oid); err != nil {
		t.Fatalf("DeleteConfig: %v", err)
	}
	if _, err := s.GetConfig(t.Context(), oid); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("GetConfig after delete: %v, want ErrNotFound", err)
	}
}

func TestDomains(t *testing.T) {
	s := newStore(t)
	a, b := testenv.RandomID(t), testenv.RandomID(t)
	domain := "acme-" + testenv.RandomID(t) + ".test"
	claim := func(oid string) sso.Domain {
		return sso.Domain{OrgID: oid, Domain: domain, Token: "tok-" + oid, CreatedAt: now}
	}
	if _, err := s.GetDomain(t.Context(), a, domain); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("GetDomain before any: %v", err)
	}
	if _, err := s.DomainOwner(t.Context(), domain); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("DomainOwner before any: %v", err)
	}
	// Both organizations may claim it; each only once.
	for _, oid := range []string{a, b} {
		if err := s.PutDomain(t.Context(), claim(oid)); err != nil {
			t.Fatalf("PutDomain %s: %v", oid, err)
		}
	}
	if err := s.PutDomain(t.Context(), claim(a)); !errors.Is(err, account.ErrConflict) {
		t.Fatalf("second PutDomain: %v, want ErrConflict", err)
	}
	got, err := s.GetDomain(t.Context(), a, domain)
	if err != nil || got.Token != "tok-"+a || got.Verified {
		t.Fatalf("GetDomain = %+v, %v", got, err)
	}
	if err := s.PutDomain(t.Context(), sso.Domain{OrgID: a, Domain: "other-" + domain, Token: "t", CreatedAt: now}); err != nil {
		t.Fatalf("PutDomain other: %v", err)
	}
	list, err := s.ListDomains(t.Context(), a)
	if err != nil || len(list) != 2 {
		t.Fatalf("ListDomains = %+v, %v; want 2", list, err)
	}
	if list, _ := s.ListDomains(t.Context(), testenv.RandomID(t)); len(list) != 0 {
		t.Fatalf("ListDomains of an organization without claims = %+v", list)
	}

	verified := func(oid string) sso.Domain {
		d := claim(oid)
		d.Verified, d.VerifiedAt = true, now
		return d
	}
	// Verifying a claim that was never made fails (no owner is written).
	if err := s.VerifyDomain(t.Context(), sso.Domain{OrgID: a, Domain: "never-" + domain, Verified: true, VerifiedAt: now}); err == nil {
		t.Fatal("VerifyDomain without a claim succeeded")
	}
	if _, err := s.DomainOwner(t.Context(), "never-"+domain); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("owner after a failed verify: %v, want ErrNotFound", err)
	}
	// One organization per verified domain, even when both try at once.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, oid := range []string{a, b} {
		wg.Go(func() { errs[i] = s.VerifyDomain(t.Context(), verified(oid)) })
	}
	wg.Wait()
	winner, loser := a, b
	switch {
	case errs[0] == nil && errors.Is(errs[1], account.ErrConflict):
	case errs[1] == nil && errors.Is(errs[0], account.ErrConflict):
		winner, loser = b, a
	default:
		t.Fatalf("concurrent VerifyDomain: %v, %v; want one success and one ErrConflict", errs[0], errs[1])
	}
	if owner, err := s.DomainOwner(t.Context(), domain); err != nil || owner != winner {
		t.Fatalf("DomainOwner = %q, %v; want %q", owner, err, winner)
	}
	if d, _ := s.GetDomain(t.Context(), winner, domain); !d.Verified {
		t.Fatalf("winner's claim = %+v, want verified", d)
	}
	if d, _ := s.GetDomain(t.Context(), loser, domain); d.Verified {
		t.Fatalf("loser's claim = %+v, want unverified", d)
	}
	// Verifying again by the owner is fine; by the other still a conflict.
	if err := s.VerifyDomain(t.Context(), verified(winner)); err != nil {
		t.Fatalf("re-verify by the owner: %v", err)
	}
	if err := s.VerifyDomain(t.Context(), verified(loser)); !errors.Is(err, account.ErrConflict) {
		t.Fatalf("verify by the other: %v, want ErrConflict", err)
	}
}

func TestFlows(t *testing.T) {
	s := newStore(t)
	f := sso.Flow{StateHash: testenv.RandomID(t), OrgID: "o1", Nonce: "n", Verifier: "v", ExpiresAt: now.Add(sso.FlowTTL)}
	if err := s.PutFlow(t.Context(), f); err != nil {
		t.Fatalf("PutFlow: %v", err)
	}
	if err := s.PutFlow(t.Context(), f); err == nil {
		t.Fatal("PutFlow of the same state twice succeeded")
	}
	// The item expires with the flow: DynamoDB's TTL removes it.
	table := s.Table
	raw, err := s.DB.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: &table, Key: store.Key("SSOSTATE#"+f.StateHash, "SSOSTATE")})
	if err != nil || raw.Item == nil {
		t.Fatalf("raw flow item: %v, %v", raw, err)
	}
	if ttl, ok := raw.Item[store.AttrTTL].(*ddbtypes.AttributeValueMemberN); !ok || ttl.Value != strconv.FormatInt(f.ExpiresAt.Unix(), 10) {
		t.Fatalf("flow %s = %#v, want the expiry %d", store.AttrTTL, raw.Item[store.AttrTTL], f.ExpiresAt.Unix())
	}
	// Of concurrent callbacks with one state exactly one takes it.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var taken []sso.Flow
	var missing int
	for range 4 {
		wg.Go(func() {
			got, err := s.TakeFlow(t.Context(), f.StateHash)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				taken = append(taken, got)
			case errors.Is(err, account.ErrNotFound):
				missing++
			default:
				t.Errorf("TakeFlow: %v", err)
			}
		})
	}
	wg.Wait()
	if len(taken) != 1 || missing != 3 {
		t.Fatalf("TakeFlow x4: %d taken, %d not found; want 1 and 3", len(taken), missing)
	}
	if g := taken[0]; g.OrgID != "o1" || g.Nonce != "n" || g.Verifier != "v" || !g.ExpiresAt.Equal(f.ExpiresAt) {
		t.Fatalf("taken flow = %+v, want %+v", g, f)
	}
	// An expired flow is returned with its expiry (the service answers
	// code_expired) and is gone afterwards like any other.
	old := sso.Flow{StateHash: testenv.RandomID(t), OrgID: "o1", Nonce: "n", Verifier: "v", ExpiresAt: now.Add(-time.Minute)}
	if err := s.PutFlow(t.Context(), old); err != nil {
		t.Fatalf("PutFlow expired: %v", err)
	}
	if got, err := s.TakeFlow(t.Context(), old.StateHash); err != nil || !got.ExpiresAt.Before(now) {
		t.Fatalf("TakeFlow expired = %+v, %v", got, err)
	}
	if _, err := s.TakeFlow(t.Context(), old.StateHash); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("TakeFlow of an expired, taken flow: %v, want ErrNotFound", err)
	}
}

func TestCreateUser(t *testing.T) {
	s := newStore(t)
	oid := mustOrg(t, s)
	email := testenv.Email(t)
	u := account.User{ID: testenv.RandomID(t), Email: email, FirstName: "Grace", SSOManaged: true, IdPURL: "https://idp.example.com",
		CreatedAt: now, UpdatedAt: now, Version: 1, Orgs: map[string]account.Membership{oid: {Role: account.RoleUser, JoinedAt: now}}}
	if err := s.CreateUser(t.Context(), sso.NewUser{User: u, OrgID: oid}); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	uid, err := s.LookupEmail(t.Context(), email)
	if err != nil || uid != u.ID {
		t.Fatalf("LookupEmail = %q, %v; want %q", uid, err, u.ID)
	}
	got, err := s.GetUser(t.Context(), u.ID)
	if err != nil || !got.SSOManaged || got.IdPURL != u.IdPURL || got.Orgs[oid].Role != account.RoleUser {
		t.Fatalf("GetUser = %+v, %v", got, err)
	}
	// The member item is written with the user.
	var m account.Member
	if err := s.Get(t.Context(), store.Key(store.OrgPK(oid), store.MemberSK(u.ID)), &m, "member"); err != nil || m.Role != account.RoleUser {
		t.Fatalf("member item = %+v, %v", m, err)
	}
	// The address is taken now: a second account with it is refused, and
	// nothing of it is written.
	dup := u
	dup.ID = testenv.RandomID(t)
	if err := s.CreateUser(t.Context(), sso.NewUser{User: dup, OrgID: oid}); !errors.Is(err, account.ErrEmailTaken) {
		t.Fatalf("CreateUser with a held address: %v, want ErrEmailTaken", err)
	}
	if _, err := s.GetUser(t.Context(), dup.ID); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("refused user was written: %v", err)
	}
	// A user without the membership, or of an organization that does not
	// exist, is refused.
	lone := u
	lone.ID, lone.Email = testenv.RandomID(t), testenv.Email(t)
	if err := s.CreateUser(t.Context(), sso.NewUser{User: lone, OrgID: "no-such-org"}); err == nil {
		t.Fatal("CreateUser without a membership of the organization succeeded")
	}
	lone.Orgs = map[string]account.Membership{"no-such-org": {Role: account.RoleUser, JoinedAt: now}}
	if err := s.CreateUser(t.Context(), sso.NewUser{User: lone, OrgID: "no-such-org"}); err == nil || errors.Is(err, account.ErrEmailTaken) {
		t.Fatalf("CreateUser in a missing organization: %v, want an error other than ErrEmailTaken", err)
	}
	if _, err := s.LookupEmail(t.Context(), lone.Email); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("address of a refused user is held: %v", err)
	}
	// SaveUser (linking) is conditioned on the version read.
	next := got
	next.Version++
	if err := s.SaveUser(t.Context(), next, got.Version); err != nil {
		t.Fatalf("SaveUser: %v", err)
	}
	if err := s.SaveUser(t.Context(), next, got.Version); !errors.Is(err, account.ErrConflict) {
		t.Fatalf("SaveUser with a stale version: %v, want ErrConflict", err)
	}
}
