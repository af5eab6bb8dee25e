package billing_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/billing"
	"github.com/example/myprofile/shared/notify/sesmail"
	"github.com/example/myprofile/shared/prefs"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/billingdb"
	"github.com/example/myprofile/shared/store/prefsdb"
)

// BenchmarkScheduledRun measures one low-credit run over a population of
// organizations with 3 alert subscribers each, 1% of them below threshold
// (BILLING_BENCH_ORGS, default 1000; the 10,000 takes a few minutes
// to load into DynamoDB Local). Each iteration re-arms the low orgs'
// alerts, so every run has 3 alerts per low org to send. The run is wired
// as in production: the members' records and notification preferences are
// read from the table, the emails go to the SES emulator (and are counted
// there). Reported: DynamoDB requests (not items) per evaluated
// organization beyond one per alert sent; the target is <= 3.
func BenchmarkScheduledRun(b *testing.B) {
	orgs := 1000
	if v, err := strconv.Atoi(os.Getenv("BILLING_BENCH_ORGS")); err == nil && v > 0 {
		orgs = v
	}
	const subsPerOrg = 3
	db, table := testenv.DynamoDB(b)
	sesClient, sesEndpoint := testenv.SES(b)
	counter := &apptest.CountingDB{DB: db}
	base := store.New(counter, table)
	st := billingdb.New(base)
	suffix := testenv.RandomID(b)
	ctx := context.Background()
	threshold := billing.Money{Amount: 5000, Currency: "USD"}
	now := time.Now().UTC()

	lowEvery := 100 // 1% below threshold
	var lowOrgs []int
	versions := map[string]int64{}
	var mu sync.Mutex
	work := make(chan int)
	var wg sync.WaitGroup
	var loadErr atomic.Value
	for range 16 {
		wg.Go(func() {
			for i := range work {
				oid := fmt.Sprintf("org-%06d", i)
				for j := range subsPerOrg {
					uid := fmt.Sprintf("user-%06d%02d", i, j)
					u := account.User{ID: uid, Email: uid + "-" + suffix + "@example.com", FirstName: "Ada", Language: "en", Version: 1,
						Orgs: map[string]account.Membership{oid: {Role: account.RoleOwner, JoinedAt: now}}}
					u.Defaults()
					if put, err := base.UserPut(u, 0); err != nil {
						loadErr.Store(err)
					} else if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: put.TableName, Item: put.Item}); err != nil {
						loadErr.Store(err)
					}
					sub := billing.Subscription{OrgID: oid, UserID: uid, Version: 1, Rule: 1, Armed: true,
						Settings: billing.Settings{Enabled: true, Threshold: threshold, Channels: []string{"email"}}}
					if err := st.SaveSubscription(ctx, sub, 0, true); err != nil {
						loadErr.Store(err)
					}
					mu.Lock()
					versions[uid] = 1
					mu.Unlock()
				}
				amount, low := int64(10000), false
				if i%lowEvery == 0 {
					amount, low = 4000, true
				}
				if _, err := st.PutBalance(ctx, billing.Balance{OrgID: oid, Money: billing.Money{Amount: amount, Currency: "USD"}, ComputedAt: now, Low: low}); err != nil {
					loadErr.Store(err)
				}
			}
		})
	}
	for i := range orgs {
		if i%lowEvery == 0 {
			lowOrgs = append(lowOrgs, i)
		}
		work <- i
	}
	close(work)
	wg.Wait()
	if err, _ := loadErr.Load().(error); err != nil {
		b.Fatalf("load: %v", err)
	}

	ps := prefsdb.New(base)
	svc := &billing.Service{Store: st, Users: base, Mailer: &sesmail.Mailer{Client: sesClient, From: "no-reply@example.com"}, Now: time.Now,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), AppName: "MyProfile",
		Allowed: func(ctx context.Context, u account.User, channel string) (bool, error) {
			p, err := ps.GetNotificationPrefs(ctx, u.ID)
			if err != nil {
				return false, err
			}
			return prefs.AllowedAnywhere(p, "billing", channel), nil
		}}
	var requests, alerts, evaluated int64
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		for _, i := range lowOrgs { // a new crossing for every low org's members
			for j := range subsPerOrg {
				uid := fmt.Sprintf("user-%06d%02d", i, j)
				v := versions[uid]
				sub := billing.Subscription{OrgID: fmt.Sprintf("org-%06d", i), UserID: uid, Version: v + 1, Rule: v + 1, Armed: true,
					Settings: billing.Settings{Enabled: true, Threshold: threshold, Channels: []string{"email"}}}
				if err := st.SaveSubscription(ctx, sub, v, true); err != nil {
					b.Fatalf("re-arm: %v", err)
				}
				versions[uid] = v + 1
			}
		}
		counter.Reset()
		b.StartTimer()
		stats, err := svc.Run(ctx)
		if err != nil {
			b.Fatalf("run: %v", err)
		}
		requests += counter.Count()
		alerts += int64(stats.Alerts)
		evaluated += int64(stats.Orgs)
	}
	n := float64(b.N)
	b.ReportMetric(float64(requests)/n, "requests/run")
	b.ReportMetric(float64(alerts)/n, "alerts/run")
	b.ReportMetric(float64(evaluated)/n, "orgs-evaluated/run")
	b.ReportMetric(float64(orgs*subsPerOrg), "subscriptions")
	if want := int64(len(lowOrgs) * subsPerOrg); alerts/int64(b.N) != want {
		b.Errorf("alerts per run = %d, want %d", alerts/int64(b.N), want)
	}
	// Sends counted at the SES emulator: one per alert, none twice.
	msgs, err := localcloud.SESMessages(ctx, sesEndpoint)
	if err != nil {
		b.Fatal(err)
	}
	perAddress := map[string]int{}
	for _, m := range msgs {
		for _, to := range m.To {
			if strings.HasSuffix(to, "-"+suffix+"@example.com") {
				perAddress[to]++
			}
		}
	}
	var emails int64
	for to, k := range perAddress {
		emails += int64(k)
		if k != b.N {
			b.Errorf("%s got %d emails over %d runs, want one per run", to, k, b.N)
		}
	}
	if emails != alerts {
		b.Errorf("SES emulator received %d emails, the runs report %d alerts", emails, alerts)
	}
	if evaluated > 0 {
		perOrg := float64(requests-alerts) / float64(evaluated)
		b.ReportMetric(perOrg, "requests/org-beyond-one-per-alert")
		apptest.Figure(b, fmt.Sprintf("low-credit run at %d organizations, DynamoDB requests per evaluated org beyond 1 per alert", orgs),
			fmt.Sprintf("%.2f (%d requests, %d orgs, %d alerts per run)", perOrg, requests/int64(b.N), evaluated/int64(b.N), alerts/int64(b.N)),
			"<= 3", perOrg <= 3)
	}
}
