// Command localgateway is `make run`: the whole backend on this machine.
//
// It starts the local AWS stand-ins (DynamoDB Local on 8000, the SES v2
// emulator on 8005, the SNS recorder on 8006; see package localcloud),
// creates the table, builds every function of the catalog with shared/app,
// mounts each HTTP function's routes on one server on 127.0.0.1:PORT (8080)
// as API Gateway would, and runs each scheduled function every
// SCHEDULE_EVERY (1m) with a sample EventBridge scheduled event. It serves
// a local EventBridge (PutEvents) on 127.0.0.1:EVENTBRIDGE_PORT (8010) that
// routes events to the event functions (see events.go) and describes
// itself in .local/stack.json for `make seed`, `make event`, `make invoke`.
// DynamoDB's data is kept in .local/dynamodb (LOCAL_MEMORY=1: in memory).
//
// With LOCAL_QUEUES=1 it also runs the work queues on the goaws SQS
// emulator (127.0.0.1:SQS_PORT, 8009) and each queue function on them, so
// the daily summary fans out as deployed (see queues.go); by default the
// summary is sent inline by the scheduled run.
//
// Environment: PORT, TABLE_NAME (myprofile-local), SCHEDULE_EVERY,
// DYNAMODB_PORT, SES_PORT, SNS_PORT, S3_PORT and UPLOADS_BUCKET (the avatar
// bucket's gofakes3 emulator, whose uploads run the avatar function; see
// s3.go), DYNAMODB_DATA_DIR (where to keep the data;
// default .local/dynamodb), and any AWS_ENDPOINT_URL_* to use a service that
// already runs instead of starting one. Ctrl-C stops everything.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/myprofile/infra/cors"
	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/shared/app/all"
	"github.com/example/myprofile/shared/catalog"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/store"
)

const (
	defaultPort          = 8080
	defaultTableName     = "myprofile-local"
	defaultScheduleEvery = time.Minute
)

func main() {
	log := slog.New(request.NewLogHandler(slog.NewTextHandler(os.Stderr, nil)))
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, log); err != nil {
		log.Error("local gateway failed", "err", err)
		os.Exit(1)
	}
}

type settings struct {
	port      int
	tableName string
	every     time.Duration
}

func readSettings(getenv func(string) string) (settings, error) {
	s := settings{port: defaultPort, tableName: defaultTableName, every: defaultScheduleEvery}
	if v := getenv("PORT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return s, fmt.Errorf("PORT=%q: want a port number 1-65535", v)
		}
		s.port = n
	}
	if v := getenv("TABLE_NAME"); v != "" {
		s.tableName = v
	}
	if v := getenv("SCHEDULE_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return s, fmt.Errorf("SCHEDULE_EVERY=%q: want a duration of at least 1s, like 30s or 5m", v)
		}
		s.every = d
	}
	return s, nil
}

func run(ctx context.Context, log *slog.Logger) error {
	s, err := readSettings(os.Getenv)
	if err != nil {
		return err
	}
	// Check the API port first: failing after the services started is slow.
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)))
	if err != nil {
		return fmt.Errorf("listen on 127.0.0.1:%d (set PORT to use another): %w", s.port, err)
	}
	defer ln.Close()

	if err := localcloud.CheckEndpointVars(os.Environ()); err != nil {
		return err
	}
	opts, err := localcloud.EnvOptionsFromEnv(os.Getenv, false)
	if err != nil {
		return err
	}
	root, err := localcloud.RepoRoot()
	if err != nil {
		return err
	}
	// The data survives a restart in .local/ (make clean wipes it) unless
	// LOCAL_MEMORY=1 or DYNAMODB_DATA_DIR says otherwise.
	if opts.DynamoDBDataDir == "" && os.Getenv("LOCAL_MEMORY") != "1" {
		opts.DynamoDBDataDir = filepath.Join(root, ".local", "dynamodb")
	}
	if opts.DynamoDBDataDir != "" {
		if err := os.MkdirAll(opts.DynamoDBDataDir, 0o755); err != nil {
			return fmt.Errorf("data directory: %w", err)
		}
	}
	started := time.Now()
	// The local EventBridge first, so StartEnv uses it instead of starting
	// a recorder: what the functions publish and what `make event` sends
	// is routed to the event functions (rules set below).
	var bus *localcloud.EventRouter
	if ep := os.Getenv(localcloud.EnvEventBridgeEndpoint); ep == "" {
		svc, b, err := localcloud.StartEventRouter(ctx, net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.EventBridgePort)), log)
		if err != nil {
			return err
		}
		defer svc.Stop()
		bus = b
		getenv := opts.Getenv
		opts.Getenv = func(k string) string {
			if k == localcloud.EnvEventBridgeEndpoint {
				return svc.Endpoint
			}
			return getenv(k)
		}
	} else {
		log.Warn("events go to the given EventBridge, not to the local functions", "endpoint", ep)
	}
	log.Info("starting local services (DynamoDB Local takes a few seconds)")
	env, err := localcloud.StartEnv(ctx, opts)
	if err != nil {
		return err
	}
	log.Info("local services up", "took", time.Since(started).Round(time.Millisecond))
	defer env.Stop()
	if err := env.Setenv(); err != nil {
		return err
	}
	prov, err := localcloud.StartProviders(ctx) // connected-account stand-ins (docs/connections.md)
	if err != nil {
		return err
	}
	defer prov.Stop()
	if err := prov.Setenv(log); err != nil {
		return err
	}
	uploads := &uploadsHook{}
	s3svc, err := startUploads(ctx, log, uploads)
	if err != nil {
		return err
	}
	defer s3svc.Stop()
	// Publish domain events to the EventBridge recorder (GET /events).
	if os.Getenv("EVENT_BUS_NAME") == "" {
		if err := os.Setenv("EVENT_BUS_NAME", "default"); err != nil {
			return err
		}
	}
	if err := os.Setenv("TABLE_NAME", s.tableName); err != nil {
		return fmt.Errorf("set TABLE_NAME: %w", err)
	}

	awsCfg, err := localcloud.AWSConfig(ctx)
	if err != nil {
		return err
	}
	if err := store.CreateTable(ctx, dynamodb.NewFromConfig(awsCfg), s.tableName); err != nil {
		return err
	}

	// Readable local output: text log lines with the request id, no metric
	// lines; LOG_FORMAT=json or METRICS_OUTPUT=stdout bring them back.
	for k, v := range map[string]string{"LOG_FORMAT": "text", "METRICS_OUTPUT": "off"} {
		if os.Getenv(k) == "" {
			if err := os.Setenv(k, v); err != nil {
				return fmt.Errorf("set %s: %w", k, err)
			}
		}
	}
	idp, err := startLocalSSO(ctx, log, os.Getenv, os.Setenv, dynamodb.NewFromConfig(awsCfg), s.tableName, "http://"+ln.Addr().String()) // oidc.go
	if err != nil {
		return err
	}
	defer idp.Stop()
	deps, err := all.Load(ctx)
	if err != nil {
		return fmt.Errorf("build the app: %w", err)
	}
	uploads.deps.Store(deps)
	fns := catalog.All()
	queues, err := startQueues(ctx, log, deps, fns)
	if err != nil {
		return err
	}
	defer queues.Stop()
	handler, err := newGateway(deps, fns, filepath.Join(root, "api", "openapi.yaml"), docsRoutes(swaggerUIDir(root, os.Getenv)))
	if err != nil {
		return err
	}
	origins, err := corsOrigins(root, os.Getenv)
	if err != nil {
		return err
	}
	handler = withWeb(handler, filepath.Join(root, "web", "dist")) // the reference page at / (web.go)
	handler = cors.Handler(origins, handler)
	jobs, err := scheduledJobs(deps, fns)
	if err != nil {
		return err
	}
	if bus != nil {
		rules, err := eventRules(deps, fns)
		if err != nil {
			return err
		}
		bus.SetRules(rules)
	}
	for _, f := range fns {
		if f.Kind == catalog.Queue && !queues.running() {
			log.Info("not run by the local gateway (LOCAL_QUEUES=1 runs it; its producers work inline); try `make invoke`", "function", f.Name, "kind", f.Kind)
			continue
		}
		if f.Kind == catalog.Event && bus == nil {
			log.Info("not run by the local gateway; try `make invoke`", "function", f.Name, "kind", f.Kind)
		}
	}

	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() { j.every(ctx, log, s.every, time.Now) })
	}
	if queues.running() {
		for _, c := range queues.consumers {
			wg.Go(func() { c.poll(ctx, log) })
		}
	}

	api := "http://" + ln.Addr().String()
	if err := localcloud.WriteStack(root, localcloud.Stack{API: api, DynamoDB: env.DynamoDB, SES: env.SES, SNS: env.SNS,
		S3: os.Getenv(localcloud.EnvS3Endpoint), EventBridge: env.EventBridge, Table: s.tableName}); err != nil {
		return err
	}
	defer localcloud.RemoveStack(root)
	openapi := "reference: " + api + "/docs, error codes: " + api + "/problems/"

	log.Info("ready", "took", time.Since(started).Round(time.Millisecond))
	fmt.Fprintf(os.Stderr, `
  API           %s   (%s)
  Mail (SES)    %s   (JSON: %s/store)
  SMS (SNS)     %s/   (JSON: %s/store)
  EventBridge   %s   (received: %s/events; make event EVENT=events/<file>.json)
  DynamoDB      %s   table %s (%s)
  CORS          %s
  Schedules     every %s: %d function(s)
  Ctrl-C stops everything.

`, api, openapi, env.SES, env.SES, env.SNS, env.SNS, env.EventBridge, env.EventBridge, env.DynamoDB, s.tableName, dataNote(opts.DynamoDBDataDir), corsNote(origins), s.every, len(jobs))
	idp.printGuide(os.Stderr, env.SES)

	select {
	case <-ctx.Done():
		log.Info("stopping")
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	wg.Wait()
	return nil
}

func dataNote(dir string) string {
	if dir == "" {
		return "in memory: LOCAL_MEMORY=1"
	}
	return "data in " + dir + "; make clean wipes it"
}

// corsOrigins are the origins of context corsOrigins in cdk.json (what the
// stack deploys), or of CORS_ORIGINS (comma-separated) when set.
func corsOrigins(root string, getenv func(string) string) ([]string, error) {
	if v := getenv("CORS_ORIGINS"); v != "" {
		return cors.List(v)
	}
	return cors.OriginsFromCDKJSON(filepath.Join(root, "cdk.json"))
}

func corsNote(origins []string) string {
	if len(origins) == 0 {
		return "off (no corsOrigins in cdk.json; CORS_ORIGINS=http://localhost:5173 allows a local front end)"
	}
	return "allowed origins " + strings.Join(origins, ", ")
}
