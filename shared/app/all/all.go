// Package all maps every function of the catalog to its wiring, for the
// programs and tests that run them all together: the local gateway,
// `make invoke` and the end-to-end tests. A function's own main imports
// only its wiring package, never this one, so its binary links only what
// it serves. With Deps.Check set (the end-to-end tests), each function
// gets its own DynamoDB client that lets through only the calls its
// catalog grants cover (grants.go).
package all

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/activitieswire"
	"github.com/example/myprofile/shared/app/authwire"
	"github.com/example/myprofile/shared/app/avatarwire"
	"github.com/example/myprofile/shared/app/billingwire"
	"github.com/example/myprofile/shared/app/connectionswire"
	"github.com/example/myprofile/shared/app/dailysummarywire"
	"github.com/example/myprofile/shared/app/eventswire"
	"github.com/example/myprofile/shared/app/mailwire"
	"github.com/example/myprofile/shared/app/orgwire"
	"github.com/example/myprofile/shared/app/phonewire"
	"github.com/example/myprofile/shared/app/profileeditwire"
	"github.com/example/myprofile/shared/app/profilewire"
	"github.com/example/myprofile/shared/app/sessionswire"
	"github.com/example/myprofile/shared/app/smswire"
	"github.com/example/myprofile/shared/app/twofactorwire"
	"github.com/example/myprofile/shared/app/verificationwire"
	"github.com/example/myprofile/shared/billing"
	"github.com/example/myprofile/shared/catalog"
	"github.com/example/myprofile/shared/dailysummary"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/org"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/authdb"
	"github.com/example/myprofile/shared/store/billingdb"
	"github.com/example/myprofile/shared/store/dailysummarydb"
	"github.com/example/myprofile/shared/store/orgdb"
	"github.com/example/myprofile/shared/store/prefsdb"
	"github.com/example/myprofile/shared/store/twofactordb"
	"github.com/example/myprofile/shared/store/verificationdb"
)

// Function is how one function of the catalog is built: the field of its
// kind is set (Routes for HTTP, Job for schedule and event, Queue, Storage).
type Function struct {
	Routes  app.Routes
	Job     func(*app.Deps) app.Job
	Queue   func(*app.Deps) app.QueueJob
	Storage func(*app.Deps) app.StorageJob
}

// Functions are the catalog's functions by name. functions/<name>/main.go
// wires the same builder.
func Functions() map[string]Function {
	return map[string]Function{
		"activities":           {Job: activitieswire.Job},
		"auth":                 {Routes: authwire.Routes},
		"avatar":               {Storage: avatarwire.Event},
		"balances":             {Job: billingwire.BalancesJob},
		"connections":          {Routes: connectionswire.Routes},
		"connections-refresh":  {Job: connectionswire.RefreshJob},
		"daily-summary":        {Job: dailysummarywire.DailySummaryJob},
		"daily-summary-worker": {Queue: dailysummarywire.Worker},
		"events-outbox":        {Job: eventswire.SweepJob},
		"low-credit":           {Job: billingwire.LowCreditJob},
		"phone":                {Routes: phonewire.Routes},
		"profile":              {Routes: profilewire.Routes},
		"profile-edit":         {Routes: profileeditwire.Routes},
		"sessions":             {Routes: sessionswire.Routes},
		"twofactor":            {Routes: twofactorwire.Routes},
		"verification":         {Routes: verificationwire.Routes},
	}
}

// Deps is app.Deps with every function's wiring at hand.
type Deps struct {
	*app.Deps
	// Check, when set, has each function built from Deps check its
	// DynamoDB calls against its catalog grants (see Check).
	Check *Check
}

// Load is app.Load for every function.
func Load(ctx context.Context) (*Deps, error) {
	d, err := app.Load(ctx)
	if err != nil {
		return nil, err
	}
	return &Deps{Deps: d}, nil
}

func (d *Deps) function(name string, kind catalog.Kind) (Function, error) {
	fn, ok := catalog.Lookup(name)
	if !ok {
		return Function{}, fmt.Errorf("app: no function %q in the catalog", name)
	}
	if fn.Kind != kind {
		return Function{}, fmt.Errorf("app: function %q is of kind %s, not %s", name, fn.Kind, kind)
	}
	f, ok := Functions()[name]
	if !ok {
		return Function{}, fmt.Errorf("app: function %q of kind %s is not wired", name, fn.Kind)
	}
	return f, nil
}

// HTTPHandler returns the named HTTP function's handler (see
// app.Deps.HTTPHandler: its routes must equal the catalog's).
func (d *Deps) HTTPHandler(name string) (http.Handler, error) {
	f, err := d.function(name, catalog.HTTP)
	if err != nil || f.Routes == nil {
		return nil, fmt.Errorf("app: %q is not an HTTP function in the catalog", name)
	}
	return d.forFunction(name).HTTPHandler(name, f.Routes)
}

// Gateway mounts every HTTP route of the catalog on one handler, each
// served by its function's handler: the local gateway and the end-to-end
// tests serve exactly what the Lambdas serve, behind what API Gateway does.
func (d *Deps) Gateway() (http.Handler, error) {
	return Mount(d, catalog.All(), nil)
}

// HTTPSource builds the handler of an HTTP function (*Deps does).
type HTTPSource interface {
	HTTPHandler(name string) (http.Handler, error)
}

// Mount puts every route of every HTTP function in fns, and the extra
// routes, on one handler. Like API Gateway's HTTP API, a request that
// matches no route (wrong path or method) gets 404 {"message":"Not Found"}
// without reaching any function. A bad or duplicate route is an error.
func Mount(src HTTPSource, fns []catalog.Function, extra map[string]http.Handler) (http.Handler, error) {
	mux := http.NewServeMux()
	for _, f := range fns {
		if f.Kind != catalog.HTTP {
			continue
		}
		h, err := src.HTTPHandler(f.Name)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", f.Name, err)
		}
		for _, route := range f.Routes {
			if err := register(mux, route, h); err != nil {
				return nil, fmt.Errorf("function %s: %w", f.Name, err)
			}
		}
	}
	for route, h := range extra {
		if err := register(mux, route, h); err != nil {
			return nil, err
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"message":"Not Found"}`))
			return
		}
		mux.ServeHTTP(w, r)
	}), nil
}

// register is mux.Handle that reports a bad or duplicate pattern as an error.
func register(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("route %q: %v", pattern, r)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// Lambda returns the named function as a Lambda handler.
func (d *Deps) Lambda(name string) (lambda.Handler, error) {
	fn, ok := catalog.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("app: no function %q in the catalog", name)
	}
	f := Functions()[name]
	fd := d.forFunction(name)
	switch {
	case fn.Kind == catalog.HTTP && f.Routes != nil:
		return fd.HTTPLambda(name, f.Routes)
	case fn.Kind == catalog.Storage && f.Storage != nil:
		return lambda.NewHandler(f.Storage(fd)), nil
	case (fn.Kind == catalog.Schedule || fn.Kind == catalog.Event) && f.Job != nil:
		return lambda.NewHandler(f.Job(fd)), nil
	case fn.Kind == catalog.Queue && f.Queue != nil:
		return lambda.NewHandler(f.Queue(fd)), nil
	}
	return nil, fmt.Errorf("app: function %q of kind %s is not wired", name, fn.Kind)
}

// Job returns a schedule or event function's handler, for the local
// gateway's timer and tests.
func (d *Deps) Job(name string) (app.Job, error) {
	if f, ok := Functions()[name]; ok && f.Job != nil {
		return f.Job(d.forFunction(name)), nil
	}
	return nil, fmt.Errorf("app: no schedule or event function %q", name)
}

// QueueJob returns a queue function's handler, for tests and local runs.
func (d *Deps) QueueJob(name string) (app.QueueJob, error) {
	if f, ok := Functions()[name]; ok && f.Queue != nil {
		return f.Queue(d.forFunction(name)), nil
	}
	return nil, fmt.Errorf("app: no queue function %q", name)
}

// AvatarEvent runs the avatar function on one S3 notification.
func (d *Deps) AvatarEvent(ctx context.Context, ev events.S3Event) error {
	return avatarwire.Event(d.forFunction("avatar"))(ctx, ev)
}

// DailySummary returns the daily summary run, as the daily-summary
// function builds it.
func (d *Deps) DailySummary() *dailysummary.Runner {
	return dailysummarywire.Runner(d.forFunction("daily-summary"))
}

// DailySummaryWorker returns the daily summary's queue consumer, the
// daily-summary-worker function.
func (d *Deps) DailySummaryWorker() app.QueueJob {
	return dailysummarywire.Worker(d.forFunction("daily-summary-worker"))
}

// Billing returns the low-credit alert service, as the low-credit
// function builds it.
func (d *Deps) Billing() *billing.Service { return billingwire.Service(d.forFunction("low-credit")) }

// Org returns the organizations service as the profile-edit function
// builds it.
// Its account deletion checks the second factor with the two-factor
// service when that can be built (it needs the data key).
func (d *Deps) Org() *org.Service {
	fd := d.forFunction("profile-edit")
	o := orgwire.Service(fd, avatarwire.DeleteHooks(fd))
	if tf, err := twofactorwire.Service(fd); err == nil {
		o.SecondFactor = tf
	}
	return o
}

// Mailer returns the SES sender.
func (d *Deps) Mailer() notify.Mailer { return mailwire.Mailer(d.Deps) }

// Texter returns the SNS SMS sender.
func (d *Deps) Texter() notify.Texter { return smswire.Texter(d.Deps) }

// Store returns the whole table: the core store with every capability's
// storage, for tests that read or seed items directly.
func (d *Deps) Store() *Store { return NewStore(d.Deps.Store()) }

type (
	authStore    = authdb.Store
	billingStore = billingdb.Store
	digestStore  = dailysummarydb.Store
	mfaStore     = twofactordb.Store
	orgStore     = orgdb.Store
	prefsStore   = prefsdb.Store
	verifyStore  = verificationdb.Store
)

// Store is the core store with every capability's storage methods.
type Store struct {
	*store.Store
	*authStore
	*billingStore
	*digestStore
	*mfaStore
	*orgStore
	*prefsStore
	*verifyStore
}

// NewStore returns every capability's storage on a core store.
func NewStore(st *store.Store) *Store {
	return &Store{st, authdb.New(st), billingdb.New(st), dailysummarydb.New(st), twofactordb.New(st), orgdb.New(st), prefsdb.New(st), verificationdb.New(st)}
}
