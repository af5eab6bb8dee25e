package billing_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/billing"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/billingdb"
)

// itemCounter counts the items DynamoDB returns to reads (what a run pays
// for in read capacity), not the requests.
type itemCounter struct {
	store.DB
	items atomic.Int64
}

func (c *itemCounter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	out, err := c.DB.GetItem(ctx, in, o...)
	if err == nil && out.Item != nil {
		c.items.Add(1)
	}
	return out, err
}

func (c *itemCounter) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := c.DB.Query(ctx, in, o...)
	if err == nil {
		c.items.Add(int64(out.ScannedCount))
	}
	return out, err
}

// benchUsers serves every member as an owner without a table read, and
// counts the reads a real store would make.
type benchUsers struct{ reads atomic.Int64 }

func (u *benchUsers) GetUser(_ context.Context, id string) (account.User, error) {
	u.reads.Add(1)
	return account.User{ID: id, Email: id + "@example.com", Language: "en", Orgs: map[string]account.Membership{"org-" + id[len("user-"):len(id)-2]: {Role: account.RoleOwner}}}, nil
}

type countingSender struct{ n atomic.Int64 }

func (c *countingSender) SendEmail(context.Context, notify.Email) error { c.n.Add(1); return nil }

// BenchmarkScheduledRun measures one low-credit run over a population of
// organizations with 3 alert subscribers each, 1% of them below threshold
// (BILLING_BENCH_ORGS, default 1000; the 10,000 takes a few minutes
// to load into DynamoDB Local). Each iteration re-arms the low orgs'
// alerts, so every run has 3 alerts per low org to send. Reported:
// items read per run against alerts sent per run.
func BenchmarkScheduledRun(b *testing.B) {
	orgs := 1000
	if v, err := strconv.Atoi(os.Getenv("BILLING_BENCH_ORGS")); err == nil && v > 0 {
		orgs = v
	}
	const subsPerOrg = 3
	db, table := testenv.DynamoDB(b)
	counter := &itemCounter{DB: db}
	st := billingdb.New(store.New(counter, table))
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

	users := &benchUsers{}
	mailer := &countingSender{}
	svc := &billing.Service{Store: st, Users: users, Mailer: mailer, Now: time.Now,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	var itemsRead, alerts, evaluated int64
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
		counter.items.Store(0)
		users.reads.Store(0)
		b.StartTimer()
		stats, err := svc.Run(ctx)
		if err != nil {
			b.Fatalf("run: %v", err)
		}
		itemsRead += counter.items.Load() + users.reads.Load()
		alerts += int64(stats.Alerts)
		evaluated += int64(stats.Orgs)
	}
	n := float64(b.N)
	b.ReportMetric(float64(itemsRead)/n, "items-read/run")
	b.ReportMetric(float64(alerts)/n, "alerts/run")
	b.ReportMetric(float64(evaluated)/n, "orgs-evaluated/run")
	b.ReportMetric(float64(orgs*subsPerOrg), "subscriptions")
	if want := int64(len(lowOrgs) * subsPerOrg); alerts/int64(b.N) != want {
		b.Errorf("alerts per run = %d, want %d", alerts/int64(b.N), want)
	}
}
