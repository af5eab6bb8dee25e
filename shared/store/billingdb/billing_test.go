package billingdb_test

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/billing"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/billingdb"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var now = time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC)

// newStore returns the storage on a table of the test's own.
func newStore(t *testing.T) *billingdb.Store {
	t.Helper()
	db, table := testenv.DynamoDB(t)
	return billingdb.New(store.New(db, table))
}

func eur(amount int64) billing.Money { return billing.Money{Amount: amount, Currency: "EUR"} }

func balance(oid string, m billing.Money, at time.Time, low bool) billing.Balance {
	return billing.Balance{OrgID: oid, Money: m, ComputedAt: at, Low: low}
}

func mustPutBalance(t *testing.T, s *billingdb.Store, b billing.Balance) {
	t.Helper()
	if _, err := s.PutBalance(t.Context(), b); err != nil {
		t.Fatalf("put balance: %v", err)
	}
}

func mustBalance(t *testing.T, s *billingdb.Store, oid string) billing.Balance {
	t.Helper()
	b, err := s.GetBalance(t.Context(), oid)
	if err != nil {
		t.Fatalf("get balance: %v", err)
	}
	return b
}

func sameBalance(a, b billing.Balance) bool {
	return a.OrgID == b.OrgID && a.Money == b.Money && a.ComputedAt.Equal(b.ComputedAt) && a.Low == b.Low
}

func TestPutBalance(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	t.Run("none received is ErrNotFound", func(t *testing.T) {
		if _, err := s.GetBalance(ctx, "nope"); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("read back as stored, to the nanosecond", func(t *testing.T) {
		b := balance(testenv.RandomID(t), eur(1234), now.Add(123456789*time.Nanosecond), true)
		mustPutBalance(t, s, b)
		if got := mustBalance(t, s, b.OrgID); !sameBalance(got, b) {
			t.Errorf("got %+v, want %+v", got, b)
		}
	})
	for _, tt := range []struct {
		name    string
		at      time.Time
		wantErr error
	}{
		{"a newer balance replaces the stored one", now.Add(time.Nanosecond), nil},
		{"the same instant again is ErrStale", now, billing.ErrStale},
		{"an older balance is ErrStale", now.Add(-time.Hour), billing.ErrStale},
	} {
		t.Run(tt.name, func(t *testing.T) {
			oid := testenv.RandomID(t)
			stored := balance(oid, eur(500), now, true)
			mustPutBalance(t, s, stored)
			put := balance(oid, eur(900), tt.at, false)
			got, err := s.PutBalance(ctx, put)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want %v", err, tt.wantErr)
			}
			want := put
			if tt.wantErr != nil {
				want = stored // the answer and the table hold the stored one
			}
			if !sameBalance(got, want) {
				t.Errorf("answer: got %+v, want %+v", got, want)
			}
			if b := mustBalance(t, s, oid); !sameBalance(b, want) {
				t.Errorf("stored: got %+v, want %+v", b, want)
			}
		})
	}
}

// orgsInShards returns n organization ids spread over at least two shards
// of the low marker.
func orgsInShards(t *testing.T, n int) []string {
	t.Helper()
	var ids []string
	shards := map[string]bool{}
	for len(ids) < n || len(shards) < 2 {
		id := testenv.RandomID(t)
		ids = append(ids, id)
		shards[billingdb.LowPK(id)] = true
	}
	return ids
}

func TestLowBalanceMarker(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	t.Run("only the organizations marked low are listed, over every shard", func(t *testing.T) {
		s := newStore(t)
		ids := orgsInShards(t, 6)
		var want []string
		for i, id := range ids {
			low := i%2 == 0
			mustPutBalance(t, s, balance(id, eur(int64(i)), now, low))
			if low {
				want = append(want, id)
			}
		}
		got, err := s.LowBalanceOrgs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	for _, tt := range []struct {
		name    string
		stored  bool // low as put
		markAt  time.Time
		mark    bool
		wantLow bool
	}{
		{"marking the current balance low lists it", false, now, true, true},
		{"clearing the current balance's mark unlists it", true, now, false, false},
		{"a mark for an older balance changes nothing", false, now.Add(-time.Second), true, false},
		{"a clear for an older balance changes nothing", true, now.Add(-time.Second), false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			oid := testenv.RandomID(t)
			mustPutBalance(t, s, balance(oid, eur(100), now, tt.stored))
			if err := s.MarkBalanceLow(ctx, oid, tt.markAt, tt.mark); err != nil {
				t.Fatalf("mark: %v", err)
			}
			if got := mustBalance(t, s, oid).Low; got != tt.wantLow {
				t.Errorf("low: got %v, want %v", got, tt.wantLow)
			}
			orgs, err := s.LowBalanceOrgs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Contains(orgs, oid); got != tt.wantLow {
				t.Errorf("listed: got %v, want %v", got, tt.wantLow)
			}
		})
	}
	t.Run("marking an organization without a balance creates nothing", func(t *testing.T) {
		oid := testenv.RandomID(t)
		if err := s.MarkBalanceLow(ctx, oid, now, true); err != nil {
			t.Fatalf("mark: %v", err)
		}
		if _, err := s.GetBalance(ctx, oid); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
}

// sub is a member's enabled alert at version 1, rule 1, by email.
func sub(oid, uid string, threshold billing.Money) billing.Subscription {
	return billing.Subscription{OrgID: oid, UserID: uid, Version: 1, Rule: 1,
		Settings: billing.Settings{Enabled: true, Threshold: threshold, Channels: []string{billing.ChannelEmail}}}
}

// mustCreate saves a new alert (none stored) and returns it as read back.
func mustCreate(t *testing.T, s *billingdb.Store, sb billing.Subscription) billing.Subscription {
	t.Helper()
	if err := s.SaveSubscription(t.Context(), sb, 0, true); err != nil {
		t.Fatalf("save alert: %v", err)
	}
	return mustSub(t, s, sb.OrgID, sb.UserID)
}

func mustSub(t *testing.T, s *billingdb.Store, oid, uid string) billing.Subscription {
	t.Helper()
	got, err := s.GetSubscription(t.Context(), oid, uid)
	if err != nil {
		t.Fatalf("get alert: %v", err)
	}
	return got
}

// newAlert stores an armed alert of its own and returns it.
func newAlert(t *testing.T, s *billingdb.Store) billing.Subscription {
	t.Helper()
	return mustCreate(t, s, sub(testenv.RandomID(t), testenv.RandomID(t), eur(1000)))
}

func mustClaim(t *testing.T, s *billingdb.Store, a billing.Subscription, lease string) {
	t.Helper()
	ok, err := s.ClaimAlert(t.Context(), a.OrgID, a.UserID, a.Rule, lease, now, now.Add(time.Minute))
	if err != nil || !ok {
		t.Fatalf("claim: got %v, %v; want true", ok, err)
	}
}

func TestSaveSubscription(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	t.Run("none saved is ErrNotFound", func(t *testing.T) {
		if _, err := s.GetSubscription(ctx, "org", "nobody"); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("a new alert is read back armed", func(t *testing.T) {
		want := sub(testenv.RandomID(t), testenv.RandomID(t), eur(2500))
		want.Settings.Channels = []string{billing.ChannelEmail, billing.ChannelSMS}
		got := mustCreate(t, s, want)
		want.Armed = true
		if got.OrgID != want.OrgID || got.UserID != want.UserID || got.Version != 1 || got.Rule != 1 || !got.Armed ||
			got.Settings.Enabled != true || got.Settings.Threshold != want.Settings.Threshold ||
			!slices.Equal(got.Settings.Channels, want.Settings.Channels) || got.LeaseID != "" || len(got.Sent) != 0 {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
	for _, tt := range []struct {
		name   string
		expect int64
		ver    int64
		want   error
	}{
		{"a second creation is ErrConflict", 0, 1, account.ErrConflict},
		{"a stale version is ErrConflict", 2, 3, account.ErrConflict},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newAlert(t, s)
			next := a
			next.Version = tt.ver
			next.Settings.Threshold = eur(1)
			if err := s.SaveSubscription(ctx, next, tt.expect, true); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if got := mustSub(t, s, a.OrgID, a.UserID); got.Version != 1 || got.Settings.Threshold != eur(1000) {
				t.Errorf("stored: got v%d %v, want v1 %v", got.Version, got.Settings.Threshold, eur(1000))
			}
		})
	}
	t.Run("a version that does not follow the expected one is refused", func(t *testing.T) {
		a := newAlert(t, s)
		next := a
		next.Version = 5
		if err := s.SaveSubscription(ctx, next, 1, true); err == nil {
			t.Error("got nil, want an error")
		}
		if got := mustSub(t, s, a.OrgID, a.UserID); got.Version != 1 {
			t.Errorf("version: got %d, want 1", got.Version)
		}
	})
	t.Run("a channel change keeps the rule, the lease and what was sent", func(t *testing.T) {
		a := newAlert(t, s)
		mustClaim(t, s, a, "lease-1")
		if ok, err := s.ReleaseAlert(ctx, a.OrgID, a.UserID, "lease-1", []string{billing.ChannelEmail}); err != nil || !ok {
			t.Fatalf("release: got %v, %v; want true", ok, err)
		}
		mustClaim(t, s, a, "lease-2")
		next := a
		next.Version = 2
		next.Settings.Channels = []string{billing.ChannelSMS}
		next.Settings.Threshold = eur(1) // ignored without a new rule
		if err := s.SaveSubscription(ctx, next, 1, false); err != nil {
			t.Fatal(err)
		}
		got := mustSub(t, s, a.OrgID, a.UserID)
		if got.Version != 2 || !slices.Equal(got.Settings.Channels, []string{billing.ChannelSMS}) {
			t.Errorf("settings: got v%d %v, want v2 [sms]", got.Version, got.Settings.Channels)
		}
		if got.Rule != 1 || !got.Armed || got.Settings.Threshold != eur(1000) || got.LeaseID != "lease-2" || !slices.Equal(got.Sent, []string{billing.ChannelEmail}) {
			t.Errorf("state: got %+v, want rule 1, armed, threshold 1000 EUR, lease-2, sent [email]", got)
		}
	})
	t.Run("a new rule arms afresh and drops the lease and what was sent", func(t *testing.T) {
		a := newAlert(t, s)
		mustClaim(t, s, a, "lease-1")
		if ok, err := s.ReleaseAlert(ctx, a.OrgID, a.UserID, "lease-1", []string{billing.ChannelEmail}); err != nil || !ok {
			t.Fatalf("release: got %v, %v; want true", ok, err)
		}
		mustClaim(t, s, a, "lease-2")
		next := a
		next.Version, next.Rule = 2, 2
		next.Settings.Threshold = eur(300)
		if err := s.SaveSubscription(ctx, next, 1, true); err != nil {
			t.Fatal(err)
		}
		got := mustSub(t, s, a.OrgID, a.UserID)
		if got.Rule != 2 || !got.Armed || got.Settings.Threshold != eur(300) || got.LeaseID != "" || !got.LeaseUntil.IsZero() || len(got.Sent) != 0 {
			t.Errorf("got %+v, want rule 2, armed, 300 EUR, no lease, nothing sent", got)
		}
		if ok, _ := s.ClaimAlert(ctx, a.OrgID, a.UserID, 1, "old-rule", now, now.Add(time.Minute)); ok {
			t.Error("a claim at the old rule succeeded")
		}
		mustClaim(t, s, next, "lease-3") // the old lease no longer holds it
	})
	t.Run("a new rule arms a fired alert again", func(t *testing.T) {
		a := newAlert(t, s)
		mustClaim(t, s, a, "lease-1")
		if ok, err := s.DisarmAlert(ctx, a.OrgID, a.UserID, "lease-1"); err != nil || !ok {
			t.Fatalf("disarm: got %v, %v; want true", ok, err)
		}
		next := a
		next.Version, next.Rule = 2, 2
		if err := s.SaveSubscription(ctx, next, 1, true); err != nil {
			t.Fatal(err)
		}
		if got := mustSub(t, s, a.OrgID, a.UserID); !got.Armed {
			t.Errorf("armed: got %v, want true", got.Armed)
		}
		if got := userIDs(s.ArmedAlerts(ctx, a.OrgID, eur(0))); !slices.Equal(got, []string{a.UserID}) {
			t.Errorf("armed alerts: got %v, want %v", got, []string{a.UserID})
		}
		if got := userIDs(s.FiredAlerts(ctx, a.OrgID, eur(1000))); len(got) != 0 {
			t.Errorf("fired alerts: got %v, want none", got)
		}
	})
	t.Run("a new rule that disables the alert takes it out of the index", func(t *testing.T) {
		a := newAlert(t, s)
		next := a
		next.Version, next.Rule = 2, 2
		next.Settings.Enabled = false
		if err := s.SaveSubscription(ctx, next, 1, true); err != nil {
			t.Fatal(err)
		}
		if got := mustSub(t, s, a.OrgID, a.UserID); got.Settings.Enabled {
			t.Errorf("enabled: got %v, want false", got.Settings.Enabled)
		}
		if got := userIDs(s.ArmedAlerts(ctx, a.OrgID, eur(0))); len(got) != 0 {
			t.Errorf("armed alerts: got %v, want none", got)
		}
		if above, err := s.AnyAlertAbove(ctx, a.OrgID, eur(0)); err != nil || above {
			t.Errorf("any alert above 0: got %v, %v; want false", above, err)
		}
		if ok, _ := s.ClaimAlert(ctx, a.OrgID, a.UserID, 2, "lease", now, now.Add(time.Minute)); ok {
			t.Error("a disabled alert was claimed")
		}
	})
}

// userIDs lists the members of subs in order, or the error.
func userIDs(subs []billing.Subscription, err error) []string {
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	ids := []string{}
	for _, s := range subs {
		ids = append(ids, s.UserID)
	}
	return ids
}

// TestAlertIndex reads the sparse index of enabled alerts by state and
// threshold: armed alerts of 100, 500 and 1000 EUR and 500 USD, a fired
// 1000 EUR one, a disabled 700 EUR one, and another organization's 900 EUR.
func TestAlertIndex(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	oid := testenv.RandomID(t)
	mk := func(uid string, m billing.Money) billing.Subscription {
		return mustCreate(t, s, sub(oid, uid, m))
	}
	mk("a-100", eur(100))
	mk("b-500", eur(500))
	mk("c-1000", eur(1000))
	mk("d-usd", billing.Money{Amount: 500, Currency: "USD"})
	fired := mk("e-fired", eur(1000))
	mustClaim(t, s, fired, "lease")
	if ok, err := s.DisarmAlert(ctx, oid, fired.UserID, "lease"); err != nil || !ok {
		t.Fatalf("disarm: got %v, %v; want true", ok, err)
	}
	mk("f-off", eur(700))
	if err := s.DisableAlert(ctx, oid, "f-off"); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, sub(testenv.RandomID(t), "g-other", eur(900)))

	type query func(billing.Money) ([]billing.Subscription, error)
	armed := func(m billing.Money) ([]billing.Subscription, error) { return s.ArmedAlerts(ctx, oid, m) }
	firedQ := func(m billing.Money) ([]billing.Subscription, error) { return s.FiredAlerts(ctx, oid, m) }
	recovered := func(m billing.Money) ([]billing.Subscription, error) { return s.RecoveredAlerts(ctx, oid, m) }
	for _, tt := range []struct {
		name  string
		query query
		m     billing.Money
		want  []string
	}{
		{"armed above a balance, in threshold order", armed, eur(99), []string{"a-100", "b-500", "c-1000"}},
		{"armed: a threshold equal to the balance is not above it", armed, eur(500), []string{"c-1000"}},
		{"armed: a negative balance is below every threshold", armed, eur(-50), []string{"a-100", "b-500", "c-1000"}},
		{"armed: only the balance's currency", armed, billing.Money{Amount: 0, Currency: "USD"}, []string{"d-usd"}},
		{"armed: nothing above the largest threshold", armed, eur(billing.MaxThreshold), []string{}},
		{"fired at or below a balance", firedQ, eur(1000), []string{"e-fired"}},
		{"fired: a threshold above the balance is not recovered", firedQ, eur(999), []string{}},
		{"fired: a negative balance recovers none", firedQ, eur(-1), []string{}},
		{"recovered: armed at or below a balance", recovered, eur(500), []string{"a-100", "b-500"}},
		{"recovered: another currency", recovered, billing.Money{Amount: 10_000, Currency: "GBP"}, []string{}},
		{"recovered: a negative balance recovers none", recovered, eur(-1), []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := userIDs(tt.query(tt.m))
			if tt.want == nil {
				tt.want = []string{}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		name string
		m    billing.Money
		want bool
	}{
		{"a fired alert counts as above", eur(999), true},
		{"disabled alerts and other organizations do not count", eur(1000), false},
		{"per currency", billing.Money{Amount: 499, Currency: "USD"}, true},
		{"a threshold equal to the balance is not above", billing.Money{Amount: 500, Currency: "USD"}, false},
		{"nothing is above the largest threshold", eur(billing.MaxThreshold), false},
	} {
		t.Run("any alert above: "+tt.name, func(t *testing.T) {
			got, err := s.AnyAlertAbove(ctx, oid, tt.m)
			if err != nil || got != tt.want {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// TestClaimAlert: a lease is held by one sender until it expires.
func TestClaimAlert(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, a billing.Subscription)
		rule  int64
		at    time.Time
		want  bool
	}{
		{"an armed alert is claimed", nil, 1, now, true},
		{"a live lease is not taken", func(t *testing.T, a billing.Subscription) { mustClaim(t, s, a, "first") }, 1, now.Add(30 * time.Second), false},
		{"a lease at its last instant is still held", func(t *testing.T, a billing.Subscription) { mustClaim(t, s, a, "first") }, 1, now.Add(time.Minute), false},
		{"an expired lease is taken over", func(t *testing.T, a billing.Subscription) { mustClaim(t, s, a, "first") }, 1, now.Add(time.Minute + time.Millisecond), true},
		{"a released lease is free at once", func(t *testing.T, a billing.Subscription) {
			mustClaim(t, s, a, "first")
			if ok, err := s.ReleaseAlert(ctx, a.OrgID, a.UserID, "first", nil); err != nil || !ok {
				t.Fatalf("release: got %v, %v; want true", ok, err)
			}
		}, 1, now, true},
		{"another rule is refused", nil, 2, now, false},
		{"a fired alert is refused", func(t *testing.T, a billing.Subscription) {
			mustClaim(t, s, a, "first")
			if ok, err := s.DisarmAlert(ctx, a.OrgID, a.UserID, "first"); err != nil || !ok {
				t.Fatalf("disarm: got %v, %v; want true", ok, err)
			}
		}, 1, now.Add(time.Hour), false},
		{"a disabled alert is refused", func(t *testing.T, a billing.Subscription) {
			if err := s.DisableAlert(ctx, a.OrgID, a.UserID); err != nil {
				t.Fatal(err)
			}
		}, 1, now, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newAlert(t, s)
			if tt.setup != nil {
				tt.setup(t, a)
			}
			got, err := s.ClaimAlert(ctx, a.OrgID, a.UserID, tt.rule, "second", tt.at, tt.at.Add(time.Minute))
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
			if holder := mustSub(t, s, a.OrgID, a.UserID).LeaseID; tt.want && holder != "second" {
				t.Errorf("lease holder: got %q, want %q", holder, "second")
			}
		})
	}
	t.Run("the lease is read back with its expiry", func(t *testing.T) {
		a := newAlert(t, s)
		mustClaim(t, s, a, "first")
		if got := mustSub(t, s, a.OrgID, a.UserID); got.LeaseID != "first" || !got.LeaseUntil.Equal(now.Add(time.Minute)) {
			t.Errorf("got %q until %v, want %q until %v", got.LeaseID, got.LeaseUntil, "first", now.Add(time.Minute))
		}
	})
	t.Run("an unknown alert is refused and not created", func(t *testing.T) {
		oid, uid := testenv.RandomID(t), testenv.RandomID(t)
		if ok, err := s.ClaimAlert(ctx, oid, uid, 1, "lease", now, now.Add(time.Minute)); err != nil || ok {
			t.Errorf("got %v, %v; want false", ok, err)
		}
		if _, err := s.GetSubscription(ctx, oid, uid); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("of senders claiming at once exactly one wins", func(t *testing.T) {
		a := newAlert(t, s)
		const n = 8
		var wg sync.WaitGroup
		wins := make(chan string, n)
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				lease := "lease-" + string(rune('a'+i))
				ok, err := s.ClaimAlert(ctx, a.OrgID, a.UserID, a.Rule, lease, now, now.Add(time.Minute))
				if err != nil {
					errs <- err
				}
				if ok {
					wins <- lease
				}
			}()
		}
		wg.Wait()
		close(wins)
		close(errs)
		for err := range errs {
			t.Errorf("claim: %v", err)
		}
		var won []string
		for l := range wins {
			won = append(won, l)
		}
		if len(won) != 1 {
			t.Fatalf("winners: got %v, want exactly one", won)
		}
		if holder := mustSub(t, s, a.OrgID, a.UserID).LeaseID; holder != won[0] {
			t.Errorf("lease holder: got %q, want the winner %q", holder, won[0])
		}
	})
}

func TestDisarmReleaseRearm(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	t.Run("disarm needs the lease", func(t *testing.T) {
		a := newAlert(t, s)
		mustClaim(t, s, a, "mine")
		if ok, err := s.DisarmAlert(ctx, a.OrgID, a.UserID, "other"); err != nil || ok {
			t.Fatalf("another lease: got %v, %v; want false", ok, err)
		}
		if ok, err := s.DisarmAlert(ctx, a.OrgID, a.UserID, "mine"); err != nil || !ok {
			t.Fatalf("the lease: got %v, %v; want true", ok, err)
		}
		got := mustSub(t, s, a.OrgID, a.UserID)
		if got.Armed || got.LeaseID != "" || !got.LeaseUntil.IsZero() || len(got.Sent) != 0 {
			t.Errorf("got %+v, want disarmed, no lease, nothing sent", got)
		}
		if ok, err := s.DisarmAlert(ctx, a.OrgID, a.UserID, "mine"); err != nil || ok {
			t.Errorf("second disarm: got %v, %v; want false", ok, err)
		}
		if got := userIDs(s.FiredAlerts(ctx, a.OrgID, eur(1000))); !slices.Equal(got, []string{a.UserID}) {
			t.Errorf("fired alerts: got %v, want %v", got, []string{a.UserID})
		}
		if got := userIDs(s.ArmedAlerts(ctx, a.OrgID, eur(0))); len(got) != 0 {
			t.Errorf("armed alerts: got %v, want none", got)
		}
	})
	t.Run("a disabled alert is not disarmed", func(t *testing.T) {
		a := newAlert(t, s)
		mustClaim(t, s, a, "mine")
		if err := s.DisableAlert(ctx, a.OrgID, a.UserID); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.DisarmAlert(ctx, a.OrgID, a.UserID, "mine"); err != nil || ok {
			t.Errorf("got %v, %v; want false", ok, err)
		}
	})
	t.Run("release records what was sent and keeps the alert armed", func(t *testing.T) {
		a := newAlert(t, s)
		mustClaim(t, s, a, "mine")
		if ok, err := s.ReleaseAlert(ctx, a.OrgID, a.UserID, "other", []string{billing.ChannelSMS}); err != nil || ok {
			t.Fatalf("another lease: got %v, %v; want false", ok, err)
		}
		if ok, err := s.ReleaseAlert(ctx, a.OrgID, a.UserID, "mine", []string{billing.ChannelEmail}); err != nil || !ok {
			t.Fatalf("the lease: got %v, %v; want true", ok, err)
		}
		got := mustSub(t, s, a.OrgID, a.UserID)
		if !got.Armed || got.LeaseID != "" || !got.LeaseUntil.IsZero() || !slices.Equal(got.Sent, []string{billing.ChannelEmail}) {
			t.Errorf("got %+v, want armed, no lease, sent [email]", got)
		}
		if ok, err := s.ReleaseAlert(ctx, a.OrgID, a.UserID, "mine", nil); err != nil || ok {
			t.Errorf("second release: got %v, %v; want false", ok, err)
		}
	})
	for _, tt := range []struct {
		name  string
		fired bool
		rule  int64
		want  bool
	}{
		{"a fired alert is armed again at its rule", true, 1, true},
		{"a fired alert is not armed at another rule", true, 2, false},
		{"an armed alert is not armed twice", false, 1, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newAlert(t, s)
			if tt.fired {
				mustClaim(t, s, a, "mine")
				if ok, err := s.DisarmAlert(ctx, a.OrgID, a.UserID, "mine"); err != nil || !ok {
					t.Fatalf("disarm: got %v, %v; want true", ok, err)
				}
			}
			if ok, err := s.RearmAlert(ctx, a.OrgID, a.UserID, tt.rule); err != nil || ok != tt.want {
				t.Fatalf("got %v, %v; want %v", ok, err, tt.want)
			}
			wantArmed := tt.want || !tt.fired
			if got := mustSub(t, s, a.OrgID, a.UserID).Armed; got != wantArmed {
				t.Errorf("armed: got %v, want %v", got, wantArmed)
			}
			if got := len(userIDs(s.ArmedAlerts(ctx, a.OrgID, eur(0)))) == 1; got != wantArmed {
				t.Errorf("in the armed index: got %v, want %v", got, wantArmed)
			}
		})
	}
}

func TestForgetSent(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	// sent is an armed alert whose last sender recorded email as sent.
	sent := func(t *testing.T) billing.Subscription {
		t.Helper()
		a := newAlert(t, s)
		mustClaim(t, s, a, "first")
		if ok, err := s.ReleaseAlert(ctx, a.OrgID, a.UserID, "first", []string{billing.ChannelEmail}); err != nil || !ok {
			t.Fatalf("release: got %v, %v; want true", ok, err)
		}
		return a
	}
	for _, tt := range []struct {
		name     string
		setup    func(t *testing.T, a billing.Subscription)
		rule     int64
		want     bool
		wantSent []string
	}{
		{"an armed, unleased alert at its rule forgets", nil, 1, true, nil},
		{"another rule keeps it", nil, 2, false, []string{billing.ChannelEmail}},
		{"a held lease keeps it", func(t *testing.T, a billing.Subscription) { mustClaim(t, s, a, "second") }, 1, false, []string{billing.ChannelEmail}},
		{"a fired alert is refused", func(t *testing.T, a billing.Subscription) {
			mustClaim(t, s, a, "second")
			if ok, err := s.DisarmAlert(ctx, a.OrgID, a.UserID, "second"); err != nil || !ok {
				t.Fatalf("disarm: got %v, %v; want true", ok, err)
			}
		}, 1, false, nil}, // disarming dropped the list
		{"a disabled alert is refused", func(t *testing.T, a billing.Subscription) {
			if err := s.DisableAlert(ctx, a.OrgID, a.UserID); err != nil {
				t.Fatal(err)
			}
		}, 2, false, nil}, // DisableAlert advanced the rule to 2 and dropped the list
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := sent(t)
			if tt.setup != nil {
				tt.setup(t, a)
			}
			if ok, err := s.ForgetSent(ctx, a.OrgID, a.UserID, tt.rule); err != nil || ok != tt.want {
				t.Fatalf("got %v, %v; want %v", ok, err, tt.want)
			}
			if got := mustSub(t, s, a.OrgID, a.UserID).Sent; !slices.Equal(got, tt.wantSent) {
				t.Errorf("sent: got %v, want %v", got, tt.wantSent)
			}
		})
	}
}

func TestDisableAlert(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	t.Run("turns the alert off, advances version and rule, drops the lease", func(t *testing.T) {
		a := newAlert(t, s)
		mustClaim(t, s, a, "mine")
		if err := s.DisableAlert(ctx, a.OrgID, a.UserID); err != nil {
			t.Fatal(err)
		}
		got := mustSub(t, s, a.OrgID, a.UserID)
		if got.Settings.Enabled || got.Version != 2 || got.Rule != 2 || got.LeaseID != "" || len(got.Sent) != 0 {
			t.Errorf("got %+v, want disabled, v2, rule 2, no lease, nothing sent", got)
		}
		if above, err := s.AnyAlertAbove(ctx, a.OrgID, eur(0)); err != nil || above {
			t.Errorf("any alert above 0: got %v, %v; want false", above, err)
		}
		next := got
		next.Version = 2
		if err := s.SaveSubscription(ctx, next, 1, false); !errors.Is(err, account.ErrConflict) {
			t.Errorf("a save at the version before: got %v, want ErrConflict", err)
		}
	})
	t.Run("an alert never saved is not created", func(t *testing.T) {
		oid, uid := testenv.RandomID(t), testenv.RandomID(t)
		if err := s.DisableAlert(ctx, oid, uid); err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		if _, err := s.GetSubscription(ctx, oid, uid); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
}
