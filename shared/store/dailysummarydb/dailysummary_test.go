package dailysummarydb_test

import (
	"errors"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/dailysummary"
	"github.com/example/myprofile/shared/prefs"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/dailysummarydb"
	"github.com/example/myprofile/shared/store/prefsdb"
	"github.com/example/myprofile/shared/store/storetest"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var now = time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC)

// newStore returns the storage on a table of the test's own.
func newStore(t *testing.T) *dailysummarydb.Store {
	t.Helper()
	db, table := testenv.DynamoDB(t)
	return dailysummarydb.New(store.New(db, table))
}

// mustUser signs up a user and returns its id.
func mustUser(t *testing.T, s *dailysummarydb.Store) string {
	t.Helper()
	id, _ := storetest.Owner(t, s.Store, now, "")
	return id
}

// day is the entry of uid due at 08:00 UTC on 2026-03-(7+n), computed
// from user record version 1.
func day(uid string, n int) dailysummary.Entry {
	due := time.Date(2026, 3, 7+n, 8, 0, 0, 0, time.UTC)
	return dailysummary.Entry{UserID: uid, Due: due, Day: dailysummary.Day(due.Format(time.DateOnly)),
		Timezone: "UTC", Time: "08:00", SourceVersion: 1}
}

func mustSchedule(t *testing.T, s *dailysummarydb.Store, e dailysummary.Entry) {
	t.Helper()
	if err := s.ScheduleDigest(t.Context(), e); err != nil {
		t.Fatalf("schedule: %v", err)
	}
}

func mustEntry(t *testing.T, s *dailysummarydb.Store, uid string) dailysummary.Entry {
	t.Helper()
	e, err := s.DigestSchedule(t.Context(), uid)
	if err != nil {
		t.Fatalf("read schedule: %v", err)
	}
	return e
}

// mustClaim claims from (moving the entry to the next day) and returns
// the entry it moved to.
func mustClaim(t *testing.T, s *dailysummarydb.Store, from dailysummary.Entry) dailysummary.Entry {
	t.Helper()
	to := from
	to.Due, to.Day = from.Due.AddDate(0, 0, 1), dailysummary.Day(from.Due.AddDate(0, 0, 1).Format(time.DateOnly))
	if err := s.ClaimDigest(t.Context(), from, to); err != nil {
		t.Fatalf("claim %s: %v", from.Day, err)
	}
	to.SentThrough = from.Day
	return to
}

// notDue fails unless uid has no entry in the due index.
func notDue(t *testing.T, s *dailysummarydb.Store, uid string) {
	t.Helper()
	e, err := s.DigestSchedule(t.Context(), uid)
	if err != nil && !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("read schedule: %v", err)
	}
	if err == nil && !e.Due.IsZero() {
		t.Errorf("due: got %v, want not scheduled", e.Due)
	}
	if es := due(t, s, dailysummary.ShardOf(uid), now.AddDate(10, 0, 0)); slices.ContainsFunc(es, func(e dailysummary.Entry) bool { return e.UserID == uid }) {
		t.Errorf("the due index lists %s", uid)
	}
}

// due reads every page of a shard due before `before`, two at a time.
func due(t *testing.T, s *dailysummarydb.Store, shard int, before time.Time) []dailysummary.Entry {
	t.Helper()
	var all []dailysummary.Entry
	cursor := ""
	for pages := 0; ; pages++ {
		es, next, read, err := s.DueDigests(t.Context(), shard, before, cursor, 2)
		if err != nil {
			t.Fatalf("due page %d: %v", pages, err)
		}
		if read < len(es) || len(es) > 2 {
			t.Fatalf("page %d: %d entries, %d read, limit 2", pages, len(es), read)
		}
		all = append(all, es...)
		if next == "" {
			return all
		}
		if pages > 100 {
			t.Fatal("the due pages do not end")
		}
		cursor = next
	}
}

func sameEntry(a, b dailysummary.Entry) bool {
	return a.UserID == b.UserID && a.Due.Equal(b.Due) && a.Day == b.Day && a.Timezone == b.Timezone &&
		a.Time == b.Time && a.SentThrough == b.SentThrough && a.SourceVersion == b.SourceVersion
}

func TestScheduleDigest(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	t.Run("none is ErrNotFound", func(t *testing.T) {
		if _, err := s.DigestSchedule(ctx, "nobody"); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("read back as scheduled", func(t *testing.T) {
		e := day(testenv.RandomID(t), 0)
		e.Timezone, e.Time = "Europe/Madrid", "09:00"
		mustSchedule(t, s, e)
		if got := mustEntry(t, s, e.UserID); !sameEntry(got, e) {
			t.Errorf("got %+v, want %+v", got, e)
		}
	})
	for _, tt := range []struct {
		name    string
		version int64
		applied bool
	}{
		{"a newer source version replaces it", 3, true},
		{"the same source version changes nothing", 2, false},
		{"an older source version changes nothing", 1, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stored := day(testenv.RandomID(t), 0)
			stored.SourceVersion = 2
			mustSchedule(t, s, stored)
			next := day(stored.UserID, 1)
			next.Time, next.SourceVersion = "07:30", tt.version
			if err := s.ScheduleDigest(ctx, next); err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			want := stored
			if tt.applied {
				want = next
			}
			if got := mustEntry(t, s, stored.UserID); !sameEntry(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
	t.Run("a new schedule keeps the last day sent", func(t *testing.T) {
		e := day(testenv.RandomID(t), 0)
		mustSchedule(t, s, e)
		mustClaim(t, s, e)
		next := day(e.UserID, 3)
		next.SourceVersion = 2
		mustSchedule(t, s, next)
		next.SentThrough = e.Day
		if got := mustEntry(t, s, e.UserID); !sameEntry(got, next) {
			t.Errorf("got %+v, want %+v", got, next)
		}
	})
}

func TestUnscheduleDigest(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	t.Run("leaves the due index and keeps the last day sent", func(t *testing.T) {
		e := day(testenv.RandomID(t), 0)
		mustSchedule(t, s, e)
		mustClaim(t, s, e)
		if err := s.UnscheduleDigest(ctx, e.UserID, 2); err != nil {
			t.Fatal(err)
		}
		notDue(t, s, e.UserID)
		got, err := s.DigestSchedule(ctx, e.UserID)
		if err == nil && (got.SentThrough != e.Day || got.SourceVersion != 2) {
			t.Errorf("got sent through %q at v%d, want %q at v2", got.SentThrough, got.SourceVersion, e.Day)
		}
		t.Run("an older schedule does not bring it back", func(t *testing.T) {
			mustSchedule(t, s, day(e.UserID, 2)) // version 1
			notDue(t, s, e.UserID)
		})
		t.Run("a newer schedule does", func(t *testing.T) {
			next := day(e.UserID, 2)
			next.SourceVersion = 3
			mustSchedule(t, s, next)
			if got := mustEntry(t, s, e.UserID); !got.Due.Equal(next.Due) || got.SentThrough != e.Day {
				t.Errorf("got due %v sent through %q, want %v, %q", got.Due, got.SentThrough, next.Due, e.Day)
			}
		})
	})
	t.Run("an older version leaves it scheduled", func(t *testing.T) {
		e := day(testenv.RandomID(t), 0)
		e.SourceVersion = 5
		mustSchedule(t, s, e)
		if err := s.UnscheduleDigest(ctx, e.UserID, 5); err != nil {
			t.Fatal(err)
		}
		if got := mustEntry(t, s, e.UserID); !sameEntry(got, e) {
			t.Errorf("got %+v, want %+v", got, e)
		}
	})
	t.Run("a user never scheduled is not due", func(t *testing.T) {
		uid := testenv.RandomID(t)
		if err := s.UnscheduleDigest(ctx, uid, 1); err != nil {
			t.Fatal(err)
		}
		notDue(t, s, uid)
		t.Run("and an older schedule arriving late is ignored", func(t *testing.T) {
			e := day(uid, 0) // version 1: as old as the unscheduling
			mustSchedule(t, s, e)
			notDue(t, s, uid)
		})
	})
}

func TestDeleteDigest(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	e := day(testenv.RandomID(t), 0)
	mustSchedule(t, s, e)
	if err := s.DeleteDigest(ctx, e.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DigestSchedule(ctx, e.UserID); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound", err)
	}
	notDue(t, s, e.UserID)
	t.Run("deleting none creates nothing", func(t *testing.T) {
		uid := testenv.RandomID(t)
		if err := s.DeleteDigest(ctx, uid); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DigestSchedule(ctx, uid); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
}

// usersInShard returns n user ids of one shard.
func usersInShard(t *testing.T, shard, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; len(ids) < n; i++ {
		if id := "user-" + strconv.Itoa(i); dailysummary.ShardOf(id) == shard {
			ids = append(ids, id)
		}
	}
	return ids
}

func TestDueDigests(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	const shard = 3
	ids := usersInShard(t, shard, 6)
	// Due one hour apart from 08:00 on, in an order other than the ids'.
	for i, id := range ids {
		e := day(id, 0)
		e.Due = e.Due.Add(time.Duration((i*5)%6) * time.Hour)
		mustSchedule(t, s, e)
	}
	byDue := slices.Clone(ids)
	slices.SortFunc(byDue, func(a, b string) int {
		ia, ib := slices.Index(ids, a), slices.Index(ids, b)
		return (ia*5)%6 - (ib*5)%6
	})
	want := byDue[:4] // due at 08:00-11:00
	if err := s.UnscheduleDigest(ctx, want[1], 2); err != nil {
		t.Fatal(err)
	}
	want = slices.Delete(slices.Clone(want), 1, 2)
	for _, id := range usersInShard(t, shard+1, 2) {
		mustSchedule(t, s, day(id, 0))
	}
	before := day("", 0).Due.Add(4 * time.Hour) // 12:00: the 12:00 and 13:00 ones are not due
	t.Run("due entries of the shard, in due order, over pages", func(t *testing.T) {
		var got []string
		for _, e := range due(t, s, shard, before) {
			got = append(got, e.UserID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("an entry due at the instant is not due before it", func(t *testing.T) {
		first := mustEntry(t, s, want[0])
		es, next, _, err := s.DueDigests(ctx, shard, first.Due, "", 10)
		if err != nil || len(es) != 0 || next != "" {
			t.Errorf("got %v, %q, %v; want none", es, next, err)
		}
	})
	t.Run("entries are read back whole", func(t *testing.T) {
		es, _, _, err := s.DueDigests(ctx, shard+1, before, "", 10)
		if err != nil || len(es) != 2 {
			t.Fatalf("got %v, %v; want 2 entries", es, err)
		}
		for _, e := range es {
			if w := day(e.UserID, 0); !sameEntry(e, w) {
				t.Errorf("got %+v, want %+v", e, w)
			}
		}
	})
	t.Run("a cursor that is not one is an error", func(t *testing.T) {
		if _, _, _, err := s.DueDigests(ctx, shard, before, "garbage", 2); err == nil {
			t.Error("got nil, want an error")
		}
	})
}

func TestClaimDigest(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	t.Run("a claim moves the entry to the next day and records the day sent", func(t *testing.T) {
		from := day(testenv.RandomID(t), 0)
		mustSchedule(t, s, from)
		to := mustClaim(t, s, from)
		if got := mustEntry(t, s, from.UserID); !sameEntry(got, to) {
			t.Errorf("got %+v, want %+v", got, to)
		}
		if es := due(t, s, dailysummary.ShardOf(from.UserID), to.Due); len(es) != 0 {
			t.Errorf("due before the next day: got %v, want none", es)
		}
	})
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, from dailysummary.Entry) dailysummary.Entry // returns what the claim read
	}{
		{"a second claim of the day is ErrLost", func(t *testing.T, from dailysummary.Entry) dailysummary.Entry {
			mustClaim(t, s, from)
			return from
		}},
		{"an entry changed since it was read is ErrLost", func(t *testing.T, from dailysummary.Entry) dailysummary.Entry {
			moved := from
			moved.Due, moved.SourceVersion = from.Due.Add(time.Hour), 2
			mustSchedule(t, s, moved)
			return from
		}},
		{"a day already sent is not claimed again", func(t *testing.T, from dailysummary.Entry) dailysummary.Entry {
			mustClaim(t, s, from)
			again := from // the user moved the time back: due again the same day
			again.Due, again.SourceVersion = from.Due.Add(2*time.Hour), 2
			mustSchedule(t, s, again)
			return again
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			from := day(testenv.RandomID(t), 0)
			mustSchedule(t, s, from)
			read := tt.setup(t, from)
			before := mustEntry(t, s, from.UserID)
			to := day(from.UserID, 1)
			if err := s.ClaimDigest(ctx, read, to); !errors.Is(err, dailysummary.ErrLost) {
				t.Fatalf("got %v, want ErrLost", err)
			}
			if got := mustEntry(t, s, from.UserID); !sameEntry(got, before) {
				t.Errorf("entry: got %+v, want it unchanged %+v", got, before)
			}
		})
	}
	t.Run("of runs claiming at once exactly one wins", func(t *testing.T) {
		from := day(testenv.RandomID(t), 0)
		mustSchedule(t, s, from)
		to := day(from.UserID, 1)
		const n = 8
		var wg sync.WaitGroup
		results := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results <- s.ClaimDigest(ctx, from, to)
			}()
		}
		wg.Wait()
		close(results)
		won := 0
		for err := range results {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, dailysummary.ErrLost):
				t.Errorf("claim: %v", err)
			}
		}
		if won != 1 {
			t.Errorf("winners: got %d, want 1", won)
		}
	})
}

func TestReleaseDigest(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	for _, tt := range []struct {
		name     string
		sentPrev bool // a day was sent before the one claimed
	}{
		{"a release restores the entry with no day sent", false},
		{"a release restores the previous day sent", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			from := day(testenv.RandomID(t), 0)
			mustSchedule(t, s, from)
			if tt.sentPrev {
				from = mustClaim(t, s, from)
			}
			to := mustClaim(t, s, from)
			if err := s.ReleaseDigest(ctx, from, to); err != nil {
				t.Fatal(err)
			}
			if got := mustEntry(t, s, from.UserID); !sameEntry(got, from) {
				t.Errorf("got %+v, want %+v", got, from)
			}
			if err := s.TakeDigest(ctx, from.UserID, from.Day); !errors.Is(err, dailysummary.ErrLost) {
				t.Errorf("take of a released day: got %v, want ErrLost", err)
			}
			if err := s.ReleaseDigest(ctx, from, to); !errors.Is(err, dailysummary.ErrLost) {
				t.Errorf("second release: got %v, want ErrLost", err)
			}
			if err := s.ClaimDigest(ctx, from, to); err != nil {
				t.Errorf("claim after release: got %v, want nil", err)
			}
		})
	}
	t.Run("a release after the entry moved on is ErrLost", func(t *testing.T) {
		from := day(testenv.RandomID(t), 0)
		mustSchedule(t, s, from)
		to := mustClaim(t, s, from)
		moved := day(from.UserID, 4)
		moved.SourceVersion = 2
		mustSchedule(t, s, moved)
		if err := s.ReleaseDigest(ctx, from, to); !errors.Is(err, dailysummary.ErrLost) {
			t.Fatalf("got %v, want ErrLost", err)
		}
		if got := mustEntry(t, s, from.UserID); !got.Due.Equal(moved.Due) || got.SentThrough != from.Day {
			t.Errorf("got due %v sent through %q, want %v, %q", got.Due, got.SentThrough, moved.Due, from.Day)
		}
	})
}

func TestTakeAndReturnDigest(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	// claimed schedules uid's day 0 and claims it; it returns day 0.
	claimed := func(t *testing.T) dailysummary.Entry {
		t.Helper()
		from := day(testenv.RandomID(t), 0)
		mustSchedule(t, s, from)
		mustClaim(t, s, from)
		return from
	}
	t.Run("a claimed day is taken once", func(t *testing.T) {
		d := claimed(t)
		if err := s.TakeDigest(ctx, d.UserID, d.Day); err != nil {
			t.Fatalf("take: %v", err)
		}
		if err := s.TakeDigest(ctx, d.UserID, d.Day); !errors.Is(err, dailysummary.ErrLost) {
			t.Errorf("second take: got %v, want ErrLost", err)
		}
	})
	t.Run("a returned day is taken again, once", func(t *testing.T) {
		d := claimed(t)
		if err := s.TakeDigest(ctx, d.UserID, d.Day); err != nil {
			t.Fatalf("take: %v", err)
		}
		if err := s.ReturnDigest(ctx, d.UserID, d.Day); err != nil {
			t.Fatalf("return: %v", err)
		}
		if err := s.ReturnDigest(ctx, d.UserID, d.Day); !errors.Is(err, dailysummary.ErrLost) {
			t.Errorf("return of a day pending: got %v, want ErrLost", err)
		}
		if err := s.TakeDigest(ctx, d.UserID, d.Day); err != nil {
			t.Fatalf("take after return: %v", err)
		}
		if err := s.TakeDigest(ctx, d.UserID, d.Day); !errors.Is(err, dailysummary.ErrLost) {
			t.Errorf("second take: got %v, want ErrLost", err)
		}
	})
	t.Run("a later claim replaces a day not taken", func(t *testing.T) {
		d := claimed(t)
		mustClaim(t, s, mustEntry(t, s, d.UserID))
		if err := s.TakeDigest(ctx, d.UserID, d.Day); !errors.Is(err, dailysummary.ErrReplaced) {
			t.Errorf("take of the replaced day: got %v, want ErrReplaced", err)
		}
		if err := s.ReturnDigest(ctx, d.UserID, d.Day); !errors.Is(err, dailysummary.ErrLost) {
			t.Errorf("return of the replaced day: got %v, want ErrLost", err)
		}
		if err := s.TakeDigest(ctx, d.UserID, day(d.UserID, 1).Day); err != nil {
			t.Errorf("take of the later day: got %v, want nil", err)
		}
	})
	t.Run("a day never claimed is ErrLost", func(t *testing.T) {
		e := day(testenv.RandomID(t), 0)
		mustSchedule(t, s, e)
		if err := s.TakeDigest(ctx, e.UserID, e.Day); !errors.Is(err, dailysummary.ErrLost) {
			t.Errorf("take: got %v, want ErrLost", err)
		}
		if err := s.ReturnDigest(ctx, e.UserID, e.Day); !errors.Is(err, dailysummary.ErrLost) {
			t.Errorf("return: got %v, want ErrLost", err)
		}
		if err := s.TakeDigest(ctx, "nobody", e.Day); !errors.Is(err, dailysummary.ErrLost) {
			t.Errorf("take of no entry: got %v, want ErrLost", err)
		}
	})
}

func TestSkipDigest(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	from := day(testenv.RandomID(t), 0)
	mustSchedule(t, s, from)
	to := day(from.UserID, 1)
	if err := s.SkipDigest(ctx, from, to); err != nil {
		t.Fatal(err)
	}
	if got := mustEntry(t, s, from.UserID); !sameEntry(got, to) {
		t.Errorf("got %+v, want %+v (no day sent)", got, to)
	}
	if err := s.SkipDigest(ctx, from, to); !errors.Is(err, dailysummary.ErrLost) {
		t.Errorf("second skip: got %v, want ErrLost", err)
	}
	if err := s.TakeDigest(ctx, from.UserID, from.Day); !errors.Is(err, dailysummary.ErrLost) {
		t.Errorf("take of a skipped day: got %v, want ErrLost", err)
	}
}

func activity(uid, id string, start time.Time, version int64) dailysummary.Activity {
	return dailysummary.Activity{ID: id, UserID: uid, Kind: dailysummary.KindAppointment, Title: "v" + strconv.FormatInt(version, 10),
		Start: start, End: start.Add(time.Hour), Version: version, UpdatedAt: now}
}

func mustPutActivity(t *testing.T, s *dailysummarydb.Store, a dailysummary.Activity) {
	t.Helper()
	if applied, err := s.PutActivity(t.Context(), a); err != nil || !applied {
		t.Fatalf("put activity %s v%d: got %v, %v; want applied", a.ID, a.Version, applied, err)
	}
}

func titles(as []dailysummary.Activity, err error) []string {
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	out := []string{}
	for _, a := range as {
		out = append(out, a.ID+":"+a.Title)
	}
	return out
}

func TestPutActivity(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	start := now.Add(24 * time.Hour)
	window := func(uid string) []string {
		return titles(s.ActivitiesBetween(ctx, uid, start.Add(-time.Hour), start.Add(time.Hour)))
	}
	for _, tt := range []struct {
		name    string
		version int64
		applied bool
		want    []string
	}{
		{"a newer version replaces it", 3, true, []string{"a1:v3"}},
		{"the same version is a duplicate", 2, false, []string{"a1:v2"}},
		{"an older version is ignored", 1, false, []string{"a1:v2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			uid := mustUser(t, s)
			mustPutActivity(t, s, activity(uid, "a1", start, 2))
			applied, err := s.PutActivity(ctx, activity(uid, "a1", start, tt.version))
			if err != nil || applied != tt.applied {
				t.Fatalf("got %v, %v; want %v", applied, err, tt.applied)
			}
			if got := window(uid); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("an unknown user's activity is not stored", func(t *testing.T) {
		uid := testenv.RandomID(t)
		applied, err := s.PutActivity(ctx, activity(uid, "a1", start, 1))
		if err != nil || applied {
			t.Fatalf("got %v, %v; want false", applied, err)
		}
		out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: store.Key(store.UserPK(uid), dailysummarydb.ActivitySK("a1")), ConsistentRead: aws.Bool(true)})
		if err != nil || out.Item != nil {
			t.Errorf("item: got %v, %v; want none", out.Item, err)
		}
	})
	t.Run("a cancellation hides it and outlives older versions", func(t *testing.T) {
		uid := mustUser(t, s)
		mustPutActivity(t, s, activity(uid, "a1", start, 1))
		gone := activity(uid, "a1", start, 2)
		gone.Cancelled = true
		mustPutActivity(t, s, gone)
		if got := window(uid); len(got) != 0 {
			t.Errorf("after cancellation: got %v, want none", got)
		}
		if applied, err := s.PutActivity(ctx, activity(uid, "a1", start, 1)); err != nil || applied {
			t.Errorf("an older version after the cancellation: got %v, %v; want false", applied, err)
		}
		if got := window(uid); len(got) != 0 {
			t.Errorf("after a late older version: got %v, want none", got)
		}
	})
	t.Run("kept 90 days after its latest instant", func(t *testing.T) {
		uid := mustUser(t, s)
		a := activity(uid, "a1", start, 1) // ends at start+1h, after it was updated
		mustPutActivity(t, s, a)
		out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: store.Key(store.UserPK(uid), dailysummarydb.ActivitySK("a1")), ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			TTL int64 `dynamodbav:"ttl"`
		}
		if err := store.Unmarshal(out.Item, &got); err != nil {
			t.Fatal(err)
		}
		if want := a.End.Add(90 * 24 * time.Hour).Unix(); got.TTL != want {
			t.Errorf("ttl: got %d, want %d", got.TTL, want)
		}
	})
}

func TestActivitiesBetween(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	from := time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)
	to := from.Add(24 * time.Hour)
	uid, other := mustUser(t, s), mustUser(t, s)
	for _, a := range []dailysummary.Activity{
		activity(uid, "late", to.Add(-time.Second), 1),
		activity(uid, "first", from, 1),
		activity(uid, "noon", from.Add(12*time.Hour), 1),
		activity(uid, "before", from.Add(-time.Second), 1),
		activity(uid, "after", to, 1),
		activity(other, "theirs", from.Add(time.Hour), 1),
	} {
		mustPutActivity(t, s, a)
	}
	for _, tt := range []struct {
		name     string
		from, to time.Time
		want     []string
	}{
		{"starts in [from, to), in start order", from, to, []string{"first:v1", "noon:v1", "late:v1"}},
		{"an empty window", to, to, []string{}},
		{"a window ending before it starts", to, from, []string{}},
		{"one second", from.Add(-time.Second), from, []string{"before:v1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := titles(s.ActivitiesBetween(ctx, uid, tt.from, tt.to)); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDigestInputs(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	from := time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)
	to := from.Add(24 * time.Hour)
	uid, other := mustUser(t, s), mustUser(t, s)
	cancelled := activity(uid, "cancelled", from.Add(time.Hour), 2)
	cancelled.Cancelled = true
	for _, a := range []dailysummary.Activity{
		activity(uid, "late", to.Add(-time.Second), 1),
		activity(uid, "first", from, 1),
		activity(uid, "noon", from.Add(12*time.Hour), 1),
		activity(uid, "before", from.Add(-time.Second), 1),
		activity(uid, "after", to, 1),
		cancelled,
		activity(other, "theirs", from.Add(time.Hour), 1),
	} {
		mustPutActivity(t, s, a)
	}
	p := prefs.Defaults()
	p["web"]["tasks"] = prefs.Cell{}
	p["mobile"]["tasks"] = prefs.Cell{}
	if err := prefsdb.New(s.Store).PutNotificationPrefs(ctx, uid, p); err != nil {
		t.Fatal(err)
	}
	db := &apptest.CountingDB{DB: s.DB}
	counted := dailysummarydb.New(store.New(db, s.Table))

	in, err := counted.DigestInputs(ctx, uid, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if got := titles(in.Activities, nil); !slices.Equal(got, []string{"first:v1", "noon:v1", "late:v1"}) {
		t.Errorf("activities %v, want the live ones starting in [from, to) in start order", got)
	}
	if in.User.ID != uid || in.User.FirstName != "Ada" {
		t.Errorf("user %q %q, want %s Ada", in.User.ID, in.User.FirstName, uid)
	}
	if prefs.AllowedAnywhere(in.Prefs, "tasks", "email") || !prefs.AllowedAnywhere(in.Prefs, "appointments", "email") {
		t.Errorf("prefs %v, want the stored ones (task email off, appointment email on)", in.Prefs)
	}
	if n := db.Count(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}

	t.Run("no stored preferences read the defaults", func(t *testing.T) {
		in, err := s.DigestInputs(ctx, other, from, to)
		if err != nil || !reflect.DeepEqual(in.Prefs, prefs.Defaults()) || len(in.Activities) != 1 {
			t.Errorf("got %v, %d activities, %v; want the defaults and 1 activity", in.Prefs, len(in.Activities), err)
		}
	})
	t.Run("a deleted user is not found", func(t *testing.T) {
		if _, err := s.DigestInputs(ctx, "nobody-"+testenv.RandomID(t), from, to); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("got %v, want account.ErrNotFound", err)
		}
	})
}
