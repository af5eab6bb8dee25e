package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/catalog"
	"github.com/example/myprofile/shared/config"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/metrics"
	"github.com/example/myprofile/shared/password"
	"github.com/example/myprofile/shared/ratelimit"
	"github.com/example/myprofile/shared/reauth"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/sessions"
	"github.com/example/myprofile/shared/store"
)

// Deps is what every function is built from. Building it makes no network
// call: AWS clients connect on first use.
type Deps struct {
	Config config.Config
	Log    *slog.Logger
	Now    func() time.Time
	DB     store.DB
	// AWS is the SDK configuration the clients of the other services (SES,
	// SNS, S3, SQS) are built from, each by the wiring that uses it (see
	// Client), so a function links only the SDK clients it needs.
	AWS aws.Config
	// Hasher is the password hasher (tests may lower its cost).
	Hasher *password.Hasher
	// Metrics receives the business metrics (CloudWatch Embedded Metric
	// Format lines on stdout in Lambda); nil records none.
	Metrics metrics.Counter

	mu      sync.Mutex
	clients map[string]any
	// parent, in a copy made by WithDB, holds the AWS clients it shares.
	parent *Deps
}

// WithDB returns a copy of d whose DynamoDB client is db; it shares d's
// clients of the other services (SetClient and Client act on d's). The
// end-to-end tests give each function its own copy, with a client that
// checks the function's calls against its grants (shared/app/all).
func (d *Deps) WithDB(db store.DB) *Deps {
	return &Deps{Config: d.Config, Log: d.Log, Now: d.Now, DB: db, AWS: d.AWS, Hasher: d.Hasher, Metrics: d.Metrics, parent: d.root()}
}

// root is the Deps that holds the clients.
func (d *Deps) root() *Deps {
	if d.parent != nil {
		return d.parent
	}
	return d
}

// Load reads the configuration from the environment and builds the
// DynamoDB client. Endpoints for local emulators come from the SDK's
// standard variables (AWS_ENDPOINT_URL_DYNAMODB, ...), so production code
// has no special path.
func Load(ctx context.Context) (*Deps, error) {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := LambdaAWSConfig(os.Getenv)
	if err != nil {
		return nil, err
	}
	var metricsOut io.Writer = os.Stdout
	if cfg.MetricsOutput == "off" {
		metricsOut = io.Discard
	}
	return &Deps{
		Config:  cfg,
		Log:     NewFormatLogger(os.Stdout, cfg.LogLevel, cfg.LogFormat),
		Now:     time.Now,
		DB:      dynamodb.NewFromConfig(awsCfg),
		AWS:     awsCfg,
		Hasher:  password.NewHasher(password.DefaultParams),
		Metrics: metrics.New(metricsOut, cfg.MetricsNamespace, nil),
	}, nil
}

// NewLogger returns the JSON logger every function uses. A record logged
// with a request's context carries its id as "requestId" (request.LogHandler).
func NewLogger(w *os.File, level string) *slog.Logger { return NewFormatLogger(w, level, "json") }

// NewFormatLogger is NewLogger with format "text" for human-readable
// lines (LOG_FORMAT=text, as `make run` sets it); any other format is JSON.
func NewFormatLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "text" {
		return slog.New(request.NewLogHandler(slog.NewTextHandler(w, opts)))
	}
	return slog.New(request.NewLogHandler(slog.NewJSONHandler(w, opts)))
}

// SetClient gives the client of an AWS service (named as in Client) instead
// of the one Client would build: tests and the local gateway point
// clients at emulators this way.
func (d *Deps) SetClient(service string, client any) {
	d = d.root()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.clients == nil {
		d.clients = map[string]any{}
	}
	d.clients[service] = client
}

// Client returns d's client of an AWS service ("sesv2", "sns", "s3",
// "sqs"): the one given to SetClient, else one built from d.AWS by build
// on first use and kept, so every use in a container shares one client
// (and its connections).
func Client[T any](d *Deps, service string, build func(aws.Config) T) T {
	d = d.root()
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.clients[service].(T); ok {
		return c
	}
	c := build(d.AWS)
	if d.clients == nil {
		d.clients = map[string]any{}
	}
	d.clients[service] = c
	return c
}

// Store returns the DynamoDB store.
func (d *Deps) Store() *store.Store { return store.New(d.DB, d.Config.TableName) }

// Sessions returns the session service.
func (d *Deps) Sessions() *sessions.Service {
	return &sessions.Service{Store: d.Store(), Now: d.Now, IdleTTL: d.Config.SessionIdleTTL, AbsoluteTTL: d.Config.SessionAbsoluteTTL, Audit: d.Audit()}
}

// Audit returns the audit log recorder every security-relevant change goes
// through.
func (d *Deps) Audit() audit.Recorder {
	return audit.Recorder{Store: d.Store(), Now: d.Now}
}

// Limiter returns a rate limiter of max hits per window, counted in the table.
func (d *Deps) Limiter(window time.Duration, max int) ratelimit.Limiter {
	return ratelimit.Limiter{Store: d.Store(), Now: d.Now, Window: window, Max: max}
}

// Fair returns a budget of failed attempts per window (ratelimit.Fair),
// counted in the table.
func (d *Deps) Fair(window time.Duration, max int) ratelimit.Fair {
	return ratelimit.Fair{Store: d.Store(), Now: d.Now, Window: window, Max: max}
}

// SMSPerIP limits the text messages sent per client IP (phone change and
// sign-in codes share the key "sms-ip#<ip>"), against SMS toll fraud.
func (d *Deps) SMSPerIP() ratelimit.Limiter { return d.Limiter(time.Hour, 10) }

// Reauth returns the current-password checker every credential change uses.
func (d *Deps) Reauth() reauth.Checker {
	return reauth.Checker{Store: d.Store(), Hasher: d.Hasher, Failures: d.Limiter(d.Config.LoginWindow, d.Config.LoginMaxFailures)}
}

// Routes builds an HTTP function's routes.
type Routes func(*Deps) (httpapi.Routes, error)

// HTTPHandler returns the named HTTP function's handler, its routes built
// by build, with the shared middleware. It fails if the handler's routes
// and the catalog's differ.
func (d *Deps) HTTPHandler(name string, build Routes) (http.Handler, error) {
	fn, ok := catalog.Lookup(name)
	if !ok || fn.Kind != catalog.HTTP {
		return nil, fmt.Errorf("app: %q is not an HTTP function in the catalog", name)
	}
	rs, err := build(d)
	if err != nil {
		return nil, err
	}
	var served []string
	for k := range rs {
		served = append(served, k)
	}
	want := slices.Clone(fn.Routes)
	sort.Strings(served)
	sort.Strings(want)
	if !slices.Equal(served, want) {
		return nil, fmt.Errorf("app: function %s serves [%s] but the catalog lists [%s]", name, strings.Join(served, ", "), strings.Join(want, ", "))
	}
	// Behind the front door (ORIGIN_VERIFY_SECRET set), only requests that
	// came through CloudFront are served.
	return httpapi.Middleware(d.Log, httpapi.ProblemDocs(d.Config.ProblemDocsURL, httpapi.OriginGuard(d.Config.OriginVerify, rs.Mux()))), nil
}

// LimitPerIP puts a per-client-IP limit on every route of rs except those
// named in authenticated: PublicRouteIPLimit requests an hour per route and
// IP (key "route-ip#<route>#<ip>"), counted before the request is read, so
// no single client can take an unauthenticated route away from everyone
// (API Gateway's throttling is shared by all clients). Over it: 429
// `rate_limited` with Retry-After. Each route keeps its own finer limits.
func (d *Deps) LimitPerIP(rs httpapi.Routes, authenticated ...string) httpapi.Routes {
	l := d.Limiter(time.Hour, d.Config.PublicRouteIPLimit)
	out := httpapi.Routes{}
	for route, h := range rs {
		if slices.Contains(authenticated, route) {
			out[route] = h
			continue
		}
		out[route] = limitPerIP(l, route, h)
	}
	return out
}

func limitPerIP(l ratelimit.Limiter, route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := l.Hit(r.Context(), "route-ip#"+route+"#"+request.Client(r.Context()).IP)
		var lim *ratelimit.Limited
		switch {
		case errors.As(err, &lim):
			httpapi.WriteError(w, r, &account.Error{Code: account.CodeRateLimited, Detail: "Too many requests from this network; try again later.",
				RetryAfter: lim.RetryAfter, Cause: err})
			return
		case err != nil:
			httpapi.WriteError(w, r, account.Internal(err))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// StartHTTP runs the named HTTP function in Lambda with its wiring's
// routes: functions/<name>/main.go is this one call (see start).
func StartHTTP(name string, routes Routes) {
	start(name, func(d *Deps) (lambda.Handler, error) { return d.HTTPLambda(name, routes) })
}

// StartHandler runs the named schedule, event, queue or storage function
// in Lambda with the handler its wiring builds: functions/<name>/main.go
// is this one call (see start).
func StartHandler[T Job | QueueJob | StorageJob](name string, wire func(*Deps) T) {
	start(name, func(d *Deps) (lambda.Handler, error) { return lambda.NewHandler(wire(d)), nil })
}

// start loads Deps from the environment, builds the handler and serves
// invocations. When either fails there is nothing to serve: it logs why
// and exits, and Lambda reports the failed init.
func start(name string, build func(*Deps) (lambda.Handler, error)) {
	d, err := Load(context.Background())
	if err == nil {
		var h lambda.Handler
		if h, err = build(d); err == nil {
			lambda.Start(h)
			return
		}
	}
	slog.Error("cannot start", "function", name, "error", err)
	os.Exit(1)
}

// HTTPLambda returns the named HTTP function as a Lambda handler (API
// Gateway v2 events).
func (d *Deps) HTTPLambda(name string, build Routes) (lambda.Handler, error) {
	h, err := d.HTTPHandler(name, build)
	if err != nil {
		return nil, err
	}
	return lambda.NewHandler(httpapi.LambdaAdapter{Handler: h, Log: d.Log}.Invoke), nil
}

// Job is a schedule or event function: one EventBridge event in, an error
// to have it retried.
type Job func(ctx context.Context, ev events.EventBridgeEvent) error

// QueueJob is a queue function: one SQS batch in, the messages to retry
// out (a partial batch response; the event source mapping reports batch
// item failures).
type QueueJob func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error)

// StorageJob is a storage function: one S3 notification in, an error to
// have it retried.
type StorageJob func(ctx context.Context, ev events.S3Event) error
