package connectionsdb_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/connections"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/connectionsdb"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var now = time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC)

// newStore returns the storage on a table of the test's own.
func newStore(t *testing.T) *connectionsdb.Store {
	t.Helper()
	db, table := testenv.DynamoDB(t)
	return connectionsdb.New(store.New(db, table))
}

// conn is a version 1 Google connection of uid, connected at now+min.
func conn(t *testing.T, uid string, min int) connections.Connection {
	t.Helper()
	id := testenv.RandomID(t)
	return connections.Connection{
		ID: id, UserID: uid, Provider: connections.Google, Account: "ada@example.com",
		Scopes: []string{"openid", "calendar"}, Purposes: []string{connections.PurposeCalendar},
		Status: connections.StatusActive, ConnectedAt: now.Add(time.Duration(min) * time.Minute),
		Calendars: []connections.Calendar{{ID: id + ":primary", ConnectionID: id, Name: "Work", Primary: true}},
		Sealed:    "sealed-blob", Expiry: now.Add(time.Hour), Version: 1,
	}
}

func mustCreate(t *testing.T, s *connectionsdb.Store, c connections.Connection) {
	t.Helper()
	if err := s.CreateConnection(t.Context(), c); err != nil {
		t.Fatalf("create %s: %v", c.ID, err)
	}
}

// A started flow is taken once, by the user who started it and for its
// provider only; a foreign or wrong-provider take leaves it in place.
func TestStateTakenOnceByItsUser(t *testing.T) {
	s := newStore(t)
	owner, other := testenv.RandomID(t), testenv.RandomID(t)
	st := connections.PendingState{Hash: testenv.RandomID(t), UserID: owner, Provider: connections.Zoom,
		Purpose: connections.PurposeMeetings, Verifier: "sealed-verifier", ExpiresAt: now.Add(connections.StateTTL)}
	if err := s.PutState(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, user, provider string }{
		{"another user", other, connections.Zoom},
		{"another provider", owner, connections.Google},
		{"unknown hash", owner, connections.Zoom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hash := st.Hash
			if tc.name == "unknown hash" {
				hash = testenv.RandomID(t)
			}
			if _, err := s.TakeState(t.Context(), hash, tc.user, tc.provider); !errors.Is(err, account.ErrNotFound) {
				t.Errorf("take: %v, want ErrNotFound", err)
			}
		})
	}
	got, err := s.TakeState(t.Context(), st.Hash, owner, connections.Zoom)
	if err != nil {
		t.Fatalf("the owner's take after refused ones: %v", err)
	}
	if !reflect.DeepEqual(got, st) {
		t.Errorf("took %+v, want %+v", got, st)
	}
	if _, err := s.TakeState(t.Context(), st.Hash, owner, connections.Zoom); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("second take: %v, want ErrNotFound (single use)", err)
	}
}

// A connection reads back as written, only under its user; creating an
// id twice is a conflict; listing is the user's own, oldest first.
func TestCreateGetList(t *testing.T) {
	s := newStore(t)
	uid, other := testenv.RandomID(t), testenv.RandomID(t)
	later, earlier := conn(t, uid, 5), conn(t, uid, 1)
	later.MeetingURL, later.MailSync, later.NextRefresh = "https://zoom.us/j/123", true, now.Add(40*time.Minute)
	mustCreate(t, s, later)
	mustCreate(t, s, earlier)
	mustCreate(t, s, conn(t, other, 0))

	got, err := s.GetConnection(t.Context(), uid, later.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, later) {
		t.Errorf("read %+v\nwant %+v", got, later)
	}
	if err := s.CreateConnection(t.Context(), later); !errors.Is(err, account.ErrConflict) {
		t.Errorf("create twice: %v, want ErrConflict", err)
	}
	for _, tc := range []struct{ name, user, id string }{
		{"another user's id", other, later.ID},
		{"unknown", uid, testenv.RandomID(t)},
		{"empty", uid, ""},
		{"key separator", uid, later.ID + "#x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.GetConnection(t.Context(), tc.user, tc.id); !errors.Is(err, account.ErrNotFound) {
				t.Errorf("get: %v, want ErrNotFound", err)
			}
		})
	}

	list, err := s.ListConnections(t.Context(), uid)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	if want := []string{earlier.ID, later.ID}; !reflect.DeepEqual(ids, want) {
		t.Errorf("list %v, want the user's two oldest first %v", ids, want)
	}
	if none, err := s.ListConnections(t.Context(), testenv.RandomID(t)); err != nil || len(none) != 0 {
		t.Errorf("a user without connections: %v, %v", none, err)
	}
}

// SaveConnection writes only over the version it read: a stale version is
// a conflict (and changes nothing), a deleted connection is not found.
func TestSaveVersions(t *testing.T) {
	s := newStore(t)
	uid := testenv.RandomID(t)
	c := conn(t, uid, 0)
	mustCreate(t, s, c)

	v2 := c
	v2.Status, v2.NoticeSent, v2.Version = connections.StatusNeedsReconnect, true, 2
	if err := s.SaveConnection(t.Context(), v2, 1); err != nil {
		t.Fatalf("save over version 1: %v", err)
	}
	stale := c
	stale.Account, stale.Version = "mallory@example.com", 2
	if err := s.SaveConnection(t.Context(), stale, 1); !errors.Is(err, account.ErrConflict) {
		t.Errorf("save over a stale version: %v, want ErrConflict", err)
	}
	if got, _ := s.GetConnection(t.Context(), uid, c.ID); !reflect.DeepEqual(got, v2) {
		t.Errorf("after the refused save: %+v, want version 2 %+v", got, v2)
	}

	if err := s.DeleteConnection(t.Context(), uid, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetConnection(t.Context(), uid, c.ID); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("get after delete: %v", err)
	}
	if err := s.SaveConnection(t.Context(), v2, 2); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("save a deleted connection: %v, want ErrNotFound", err)
	}
	if err := s.DeleteConnection(t.Context(), uid, c.ID); err != nil {
		t.Errorf("delete twice: %v, want nil (absent is not an error)", err)
	}
}

// due lists every shard's due connections (the table is the test's own).
func due(t *testing.T, s *connectionsdb.Store, before time.Time, limit int) map[int][]connections.Due {
	t.Helper()
	out := map[int][]connections.Due{}
	for shard := range connections.Shards {
		d, err := s.DueRefreshes(t.Context(), shard, before, limit)
		if err != nil {
			t.Fatalf("shard %d: %v", shard, err)
		}
		if len(d) > 0 {
			out[shard] = d
		}
	}
	return out
}

// The refresh index holds only connections with a NextRefresh, lists a
// shard's due ones by due time, at most limit, and drops a connection
// whose NextRefresh is cleared.
func TestRefreshIndex(t *testing.T) {
	s := newStore(t)
	uid := testenv.RandomID(t)
	first, second, notYet, never := conn(t, uid, 0), conn(t, uid, 1), conn(t, uid, 2), conn(t, uid, 3)
	// Created out of order, so the listing's order is the due time's.
	second.NextRefresh = now.Add(2 * time.Minute)
	first.NextRefresh = now.Add(time.Minute)
	notYet.NextRefresh = now.Add(30 * time.Minute)
	for _, c := range []connections.Connection{second, notYet, never, first} {
		mustCreate(t, s, c)
	}
	before := now.Add(10 * time.Minute)
	all := due(t, s, before, 10)
	if len(all) != 1 {
		t.Fatalf("one user's connections in %d shards, want 1: %v", len(all), all)
	}
	var shard int
	for k := range all {
		shard = k
	}
	want := []connections.Due{{UserID: uid, ID: first.ID}, {UserID: uid, ID: second.ID}}
	if !reflect.DeepEqual(all[shard], want) {
		t.Errorf("due before %s: %v, want %v (not the one due later, not the one never due)", before, all[shard], want)
	}
	if got, _ := s.DueRefreshes(t.Context(), shard, before, 1); !reflect.DeepEqual(got, want[:1]) {
		t.Errorf("limit 1: %v, want %v", got, want[:1])
	}
	if got := due(t, s, now.Add(time.Hour), 10)[shard]; len(got) != 3 {
		t.Errorf("due within the hour: %v, want 3 (never is not in the index)", got)
	}

	// Taken out of the index (e.g. needs_reconnect).
	out := first
	out.NextRefresh, out.Version = time.Time{}, 2
	if err := s.SaveConnection(t.Context(), out, 1); err != nil {
		t.Fatal(err)
	}
	if got := due(t, s, before, 10)[shard]; !reflect.DeepEqual(got, want[1:]) {
		t.Errorf("after clearing NextRefresh: %v, want %v", got, want[1:])
	}
	// Deleted: gone from the index too.
	if err := s.DeleteConnection(t.Context(), uid, second.ID); err != nil {
		t.Fatal(err)
	}
	if got := due(t, s, before, 10); len(got) != 0 {
		t.Errorf("after delete: %v, want none due", got)
	}
}
