// Package app wires configuration, AWS clients and the capability packages
// into the handlers of each function in the catalog. Every Lambda main, the
// local gateway and the end-to-end tests build their handlers here, so they
// all serve the same code.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // Lambda's provided.al2023 has no zoneinfo; time zones must load anyway

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/auth"
	"github.com/example/myprofile/shared/catalog"
	"github.com/example/myprofile/shared/config"
	"github.com/example/myprofile/shared/digest"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/metrics"
	"github.com/example/myprofile/shared/mfa"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/org"
	"github.com/example/myprofile/shared/password"
	"github.com/example/myprofile/shared/prefs"
	"github.com/example/myprofile/shared/profile"
	"github.com/example/myprofile/shared/queue"
	"github.com/example/myprofile/shared/ratelimit"
	"github.com/example/myprofile/shared/reauth"
	"github.com/example/myprofile/shared/session"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/verify"
)

// Deps is what every function is built from. Building it makes no network
// call: AWS clients connect on first use.
type Deps struct {
	Config config.Config
	Log    *slog.Logger
	Now    func() time.Time
	DB     store.DB
	SES    *sesv2.Client
	SNS    *sns.Client
	// S3 reaches the uploads bucket (avatars); nil where no function needs it.
	S3 *s3.Client
	// SQS carries the daily summary's fan-out (Config.DigestQueueURL).
	SQS *sqs.Client
	// Hasher is the password hasher (tests may lower its cost).
	Hasher *password.Hasher
	// Metrics receives the business metrics (CloudWatch Embedded Metric
	// Format lines on stdout in Lambda); nil records none.
	Metrics metrics.Counter
}

// Load reads the configuration from the environment and builds the clients.
// Endpoints for local emulators come from the SDK's standard variables
// (AWS_ENDPOINT_URL_DYNAMODB, ...), so production code has no special path.
func Load(ctx context.Context) (*Deps, error) {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("aws config: %w", err)
	}
	return &Deps{
		Config:  cfg,
		Log:     NewLogger(os.Stdout, cfg.LogLevel),
		Now:     time.Now,
		DB:      dynamodb.NewFromConfig(awsCfg),
		SES:     sesv2.NewFromConfig(awsCfg),
		SNS:     sns.NewFromConfig(awsCfg),
		S3:      NewS3Client(awsCfg),
		SQS:     sqs.NewFromConfig(awsCfg),
		Hasher:  password.NewHasher(password.DefaultParams),
		Metrics: metrics.New(os.Stdout, cfg.MetricsNamespace, nil),
	}, nil
}

// NewLogger returns the JSON logger every function uses.
func NewLogger(w *os.File, level string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv}))
}

// Mailer returns the SES sender.
func (d *Deps) Mailer() notify.Mailer {
	return &notify.SES{Client: d.SES, From: d.Config.SenderEmail, ConfigurationSet: d.Config.SESConfigurationSet, Metrics: d.Metrics}
}

// Texter returns the SNS SMS sender.
func (d *Deps) Texter() notify.Texter {
	return &notify.SNS{Client: d.SNS, SenderID: d.Config.SMSSenderID, Metrics: d.Metrics}
}

// Gateway mounts every HTTP route of the catalog on one handler, each
// served by its function's handler: the local gateway and the end-to-end
// tests serve exactly what the Lambdas serve.
func (d *Deps) Gateway() (http.Handler, error) {
	mux := http.NewServeMux()
	for _, fn := range catalog.All() {
		if fn.Kind != catalog.HTTP {
			continue
		}
		h, err := d.HTTPHandler(fn.Name)
		if err != nil {
			return nil, err
		}
		for _, r := range fn.Routes {
			mux.Handle(r, h)
		}
	}
	notFound := httpapi.Middleware(d.Log, httpapi.Routes{}.Mux())
	mux.Handle("/", notFound)
	return mux, nil
}

// Store returns the DynamoDB store.
func (d *Deps) Store() *store.Store { return store.New(d.DB, d.Config.TableName) }

// Sessions returns the session service.
func (d *Deps) Sessions() *session.Service {
	return &session.Service{Store: d.Store(), Now: d.Now, IdleTTL: d.Config.SessionIdleTTL, AbsoluteTTL: d.Config.SessionAbsoluteTTL, Audit: d.Audit()}
}

// Audit returns the audit log recorder every security-relevant change goes
// through.
func (d *Deps) Audit() audit.Recorder {
	return audit.Recorder{Store: d.Store(), Now: d.Now}
}

// Org returns the organizations service (staff, invitations, roles, audit
// listings, account deletion).
func (d *Deps) Org() *org.Service {
	st := d.Store()
	return &org.Service{
		Store: st, Users: st, AuditLog: st, Audit: d.Audit(), Sessions: d.Sessions(), Reauth: d.Reauth(),
		Hasher: d.Hasher, Policy: password.DefaultPolicy(d.Config.PasswordComposition), Mailer: d.Mailer(),
		AppName: d.Config.AppName, Now: d.Now, Log: d.Log,
		// The pseudonym only has to be stable per deployment and not
		// computable from the id alone by outsiders of it.
		PseudonymKey: []byte("audit-pseudonym:" + d.Config.Stage + ":" + d.Config.TableName),
		Invites:      d.limiter(24*time.Hour, 100),
		OnDelete:     d.avatarDeleteHooks(),
	}
}

func (d *Deps) limiter(window time.Duration, max int) ratelimit.Limiter {
	return ratelimit.Limiter{Store: d.Store(), Now: d.Now, Window: window, Max: max}
}

// smsPerIP limits the text messages sent per client IP (phone change and
// sign-in codes share the key "sms-ip#<ip>"), against SMS toll fraud.
func (d *Deps) smsPerIP() ratelimit.Limiter { return d.limiter(time.Hour, 10) }

// Reauth returns the current-password checker every credential change uses.
func (d *Deps) Reauth() reauth.Checker {
	return reauth.Checker{Store: d.Store(), Hasher: d.Hasher, Failures: d.limiter(d.Config.LoginWindow, d.Config.LoginMaxFailures)}
}

// mfa returns the two-factor service (function twofactor, and the second
// step of sign-in in auth). It needs the data key that seals TOTP secrets.
func (d *Deps) mfa() (*mfa.Service, error) {
	if len(d.Config.MFADataKey) != 32 {
		return nil, fmt.Errorf("app: MFA_DATA_KEY is required in stage %q (32 random bytes, base64)", d.Config.Stage)
	}
	if d.Config.WebAuthnRPID == "" || len(d.Config.WebAuthnOrigins) == 0 {
		return nil, fmt.Errorf("app: WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS are required in stage %q", d.Config.Stage)
	}
	wa, err := mfa.NewWebAuthn(d.Config.WebAuthnRPID, d.Config.AppName, d.Config.WebAuthnOrigins)
	if err != nil {
		return nil, err
	}
	st := d.Store()
	return &mfa.Service{
		Store: st, Users: st, Sessions: d.Sessions(), Reauth: d.Reauth(), Hasher: d.Hasher,
		Mailer: d.Mailer(), Texter: d.Texter(), Sealer: mfa.Sealer{Key: d.Config.MFADataKey},
		Failures: d.limiter(d.Config.LoginWindow, d.Config.LoginMaxFailures),
		SMSPerIP: d.smsPerIP(),
		Issuer:   d.Config.AppName, Now: d.Now, Log: d.Log, WebAuthn: wa, Audit: d.Audit(),
		Metrics: d.Metrics,
	}, nil
}

// routes returns the routes of an HTTP function.
func (d *Deps) routes(name string) (httpapi.Routes, error) {
	st := d.Store()
	sessions := d.Sessions()
	switch name {
	case "auth":
		a := &auth.Service{
			Store: st, Sessions: sessions, Hasher: d.Hasher,
			Policy:        password.DefaultPolicy(d.Config.PasswordComposition),
			Failures:      d.limiter(d.Config.LoginWindow, d.Config.LoginMaxFailures),
			Signups:       d.limiter(time.Hour, 20),
			SignupEnabled: d.Config.SignupEnabled, Now: d.Now, Log: d.Log,
			Audit: d.Audit(), Metrics: d.Metrics,
		}
		m, err := d.mfa()
		if err != nil {
			return nil, err
		}
		a.SecondFactor = m
		a.ExtraRoutes = m.LoginRoutes(a.IssueSession)
		if a.ExtraRoutes == nil {
			a.ExtraRoutes = httpapi.Routes{}
		}
		maps.Copy(a.ExtraRoutes, d.Org().AuthRoutes()) // POST /v1/auth/accept-invite
		return a.Routes(), nil
	case "profile":
		p := &profile.Service{Store: st, Sessions: sessions, Now: d.Now}
		p.AfterSave = append(p.AfterSave, (&digest.Scheduler{Store: st, Now: d.Now}).AfterSave)
		rs := p.Routes()
		pw := &profile.PasswordService{
			Reauth: d.Reauth(), Hasher: d.Hasher, Policy: password.DefaultPolicy(d.Config.PasswordComposition),
			Store: st, Sessions: sessions, Mailer: d.Mailer(), AppName: d.Config.AppName, Now: d.Now, Log: d.Log,
			Audit: d.Audit(),
		}
		maps.Copy(rs, pw.Routes())
		maps.Copy(rs, (&prefs.Service{Store: st, Sessions: sessions}).Routes())
		maps.Copy(rs, d.AvatarService().Routes())
		maps.Copy(rs, d.Billing().Routes(sessions.Require))
		maps.Copy(rs, d.Org().Routes()) // /v1/users*, DELETE /v1/me, audit listings
		return rs, nil
	case "sessions":
		return sessions.Routes(), nil
	case "twofactor":
		m, err := d.mfa()
		if err != nil {
			return nil, err
		}
		return m.Routes(), nil
	case "verification":
		v := &verify.Service{
			Store: st, Sessions: sessions, Reauth: d.Reauth(),
			Requests: d.limiter(time.Hour, 5), SMSPerIP: d.smsPerIP(),
			Mailer: d.Mailer(), Texter: d.Texter(),
			Now: d.Now, Log: d.Log, AppName: d.Config.AppName, Audit: d.Audit(), Metrics: d.Metrics,
		}
		return v.Routes(), nil
	}
	return nil, fmt.Errorf("app: no HTTP function %q", name)
}

// HTTPHandler returns the named HTTP function's handler with the shared
// middleware. It fails if the handler's routes and the catalog's differ.
func (d *Deps) HTTPHandler(name string) (http.Handler, error) {
	fn, ok := catalog.Lookup(name)
	if !ok || fn.Kind != catalog.HTTP {
		return nil, fmt.Errorf("app: %q is not an HTTP function in the catalog", name)
	}
	rs, err := d.routes(name)
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
	return httpapi.Middleware(d.Log, rs.Mux()), nil
}

// Lambda returns the named function as a Lambda handler.
func (d *Deps) Lambda(name string) (lambda.Handler, error) {
	fn, ok := catalog.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("app: no function %q in the catalog", name)
	}
	switch fn.Kind {
	case catalog.HTTP:
		h, err := d.HTTPHandler(name)
		if err != nil {
			return nil, err
		}
		return lambda.NewHandler(httpapi.LambdaAdapter{Handler: h}.Invoke), nil
	case catalog.Storage:
		if name == "avatar" {
			return lambda.NewHandler(d.AvatarEvent), nil
		}
	case catalog.Schedule, catalog.Event:
		if job, ok := d.jobs()[name]; ok {
			return lambda.NewHandler(job), nil
		}
	case catalog.Queue:
		if job, ok := d.queueJobs()[name]; ok {
			return lambda.NewHandler(job), nil
		}
	}
	return nil, fmt.Errorf("app: function %q of kind %s is not wired", name, fn.Kind)
}

// Job is a schedule or event function: one EventBridge event in, an error
// to have it retried.
type Job func(ctx context.Context, ev events.EventBridgeEvent) error

// jobs are the schedule and event functions by catalog name.
func (d *Deps) jobs() map[string]Job {
	return map[string]Job{
		"activities":    d.activitiesJob,
		"balances":      d.balancesJob,
		"daily-summary": d.dailySummaryJob,
		"low-credit":    d.lowCreditJob,
	}
}

// Job returns a schedule or event function's handler, for the local
// gateway's timer and tests.
func (d *Deps) Job(name string) (Job, error) {
	if j, ok := d.jobs()[name]; ok {
		return j, nil
	}
	return nil, fmt.Errorf("app: no schedule or event function %q", name)
}

// QueueJob is a queue function: one SQS batch in, the messages to retry
// out (a partial batch response; the event source mapping reports batch
// item failures).
type QueueJob func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error)

// queueJobs are the queue functions by catalog name. Each is built once
// per container, so state such as the worker's send pacing spans the
// invocations a warm container serves.
func (d *Deps) queueJobs() map[string]QueueJob {
	return map[string]QueueJob{
		"daily-summary-worker": d.DailySummaryWorker(),
	}
}

// QueueJob returns a queue function's handler, for tests and local runs.
func (d *Deps) QueueJob(name string) (QueueJob, error) {
	if j, ok := d.queueJobs()[name]; ok {
		return j, nil
	}
	return nil, fmt.Errorf("app: no queue function %q", name)
}

// DailySummaryWorker returns the daily summary's queue consumer: it sends
// the days the scheduled run claimed and enqueued.
func (d *Deps) DailySummaryWorker() QueueJob {
	r := d.DailySummary()
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		batch := make([]digest.Delivery, len(ev.Records))
		for i, m := range ev.Records {
			batch[i] = digest.Delivery{ID: m.MessageId, Body: m.Body}
		}
		res := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
		for _, id := range r.Deliver(ctx, batch) {
			res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
		}
		return res, nil
	}
}

// DailySummary returns the daily summary run (and worker). With
// Config.DigestQueueURL set the run fans out through that queue.
func (d *Deps) DailySummary() *digest.Runner {
	st := d.Store()
	var q digest.Queue
	if d.Config.DigestQueueURL != "" && d.SQS != nil {
		q = &queue.SQS{Client: d.SQS, URL: d.Config.DigestQueueURL}
	}
	return &digest.Runner{
		Store: st, Mailer: d.Mailer(), Now: d.Now, Log: d.Log, Queue: q,
		Concurrency: d.Config.DailySummaryWorkerConcurrency,
		AppName:     d.Config.AppName, SendRate: d.Config.DailySummarySendRate,
		Namespace: os.Getenv("METRICS_NAMESPACE"), // set by the stack on every function
		EmailPrefs: func(ctx context.Context, userID string) (func(string) bool, error) {
			p, err := st.GetNotificationPrefs(ctx, userID)
			if err != nil {
				return nil, err
			}
			return func(category string) bool { return prefs.AllowedAnywhere(p, category, "email") }, nil
		},
	}
}

// dailySummaryJob sends the due daily summaries (its counts go to the log
// as metrics); an error means the index could not be read.
func (d *Deps) dailySummaryJob(ctx context.Context, _ events.EventBridgeEvent) error {
	_, err := d.DailySummary().Run(ctx)
	return err
}

// activitiesJob applies one activity event to the table's copy.
func (d *Deps) activitiesJob(ctx context.Context, ev events.EventBridgeEvent) error {
	a := &digest.Activities{Store: d.Store(), Log: d.Log.With("function", "activities")}
	return a.Handle(ctx, ev.DetailType, ev.Detail)
}
