package dailysummary_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/dailysummary"
	"github.com/example/myprofile/shared/notify/sesmail"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/dailysummarydb"
)

// BenchmarkDailySummaryRun measures one scheduled run over a population
// whose send times are spread over the day (DIGEST_BENCH_USERS, default
// 5,000; `DIGEST_BENCH_USERS=100000 make bench` for the scale).
// Each iteration is the next 5-minute run. Reported: index items read per
// run against due users per run (the index is sparse and sorted by due, so
// a run reads the due entries plus at most one empty page per shard), and
// emails per second through the SES emulator.
func BenchmarkDailySummaryRun(b *testing.B) {
	n := 5000
	if v, err := strconv.Atoi(os.Getenv("DIGEST_BENCH_USERS")); err == nil && v > 0 {
		n = v
	}
	db, table := testenv.DynamoDB(b)
	sesClient, _ := testenv.SES(b)
	counting := &apptest.CountingDB{DB: db}
	st := dailysummarydb.New(store.New(counting, table))
	ctx := context.Background()
	t0 := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	zones := []string{"UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"}
	users := make([]account.User, n)
	for i := range users {
		u := account.User{
			ID: fmt.Sprintf("bench-%07d", i), Email: fmt.Sprintf("bench-%d-%s@example.com", i, testenv.RandomID(b)),
			FirstName: "Ada", LastName: "Lovelace", Language: "en", Timezone: zones[i%len(zones)], Version: 1,
			DailySummary: account.DailySummary{Enabled: true, Time: fmt.Sprintf("%02d:%02d", (i/60)%24, i%60)},
		}
		u.Defaults()
		users[i] = u
	}
	loadUsers(b, db, table, st, users, t0)

	now := t0
	r := &dailysummary.Runner{
		Store: st, Mailer: &sesmail.Mailer{Client: sesClient, From: "no-reply@example.com"},
		Now: func() time.Time { return now }, Log: discardLog(), AppName: "MyProfile",
	}
	var read, due, sent, queries int
	var sending time.Duration
	counting.Reset()
	b.ResetTimer()
	for b.Loop() {
		now = now.Add(5 * time.Minute)
		began := time.Now()
		s, err := r.Run(ctx)
		if err != nil {
			b.Fatal(err)
		}
		sending += time.Since(began)
		read += s.IndexItemsRead
		due += s.Due
		sent += s.Sent
		queries += s.Queries
		if s.Failed > 0 {
			b.Fatalf("run failed %d sends", s.Failed)
		}
	}
	runs := float64(b.N)
	b.ReportMetric(float64(read)/runs, "index-items-read/run")
	b.ReportMetric(float64(due)/runs, "due-users/run")
	b.ReportMetric(float64(read-due)/runs, "extra-reads/run")
	if sending > 0 {
		b.ReportMetric(float64(sent)/sending.Seconds(), "emails/s")
	}
	b.ReportMetric(float64(n), "users")
	if due > 0 {
		// Requests per due user: the user's own reads and writes, and the
		// due index's pages (per run, not per user) on top.
		perUser := float64(int(counting.Count())-queries) / float64(due)
		index := float64(queries) / float64(due)
		b.ReportMetric(perUser, "requests/due-user")
		b.ReportMetric(index, "index-queries/due-user")
		apptest.Figure(b, "daily summary, DynamoDB requests per due user",
			fmt.Sprintf("%.2f (+%.2f index pages; %d due)", perUser, index, due), "<= 2", perUser <= 2)
	}
}

// loadUsers writes the users' records to table in batches, then each
// user's due entry through the same code the profile hook runs, as of t0.
func loadUsers(b *testing.B, db store.DB, table string, st *dailysummarydb.Store, users []account.User, t0 time.Time) {
	b.Helper()
	ctx := context.Background()
	for i := 0; i < len(users); i += 25 {
		var reqs []ddbtypes.WriteRequest
		for _, u := range users[i:min(i+25, len(users))] {
			put, err := st.UserPut(u, 0)
			if err != nil {
				b.Fatal(err)
			}
			reqs = append(reqs, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: put.Item}})
		}
		for len(reqs) > 0 {
			out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{table: reqs}})
			if err != nil {
				b.Fatal(err)
			}
			reqs = out.UnprocessedItems[table]
		}
	}
	sched := &dailysummary.Scheduler{Store: st, Now: func() time.Time { return t0 }}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < len(users); i += 8 {
				if err := sched.Sync(ctx, users[i]); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}
