package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/shared/app/all"
	"github.com/example/myprofile/shared/catalog"
)

// httpSource builds HTTP functions (*all.Deps in the program).
type httpSource interface {
	HTTPHandler(name string) (http.Handler, error)
}

// lambdaSource builds any function as a Lambda handler (*all.Deps).
type lambdaSource interface {
	Lambda(name string) (lambda.Handler, error)
}

// newGateway mounts every route of every HTTP function in fns (see
// all.Mount: unmatched requests get API Gateway's 404), GET /openapi.yaml
// when that file exists, and the local pages of more (docsRoutes, ...).
func newGateway(src httpSource, fns []catalog.Function, openapiPath string, more ...map[string]http.Handler) (http.Handler, error) {
	extra := map[string]http.Handler{}
	for _, m := range more {
		for k, v := range m {
			extra[k] = v
		}
	}
	if _, err := os.Stat(openapiPath); err == nil {
		extra["GET /openapi.yaml"] = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/yaml")
			http.ServeFile(w, r, openapiPath)
		})
	}
	return all.Mount(src, fns, extra)
}

// job is a scheduled function.
type job struct {
	fn      catalog.Function
	handler lambda.Handler
}

func scheduledJobs(src lambdaSource, fns []catalog.Function) ([]job, error) {
	var jobs []job
	for _, f := range fns {
		if f.Kind != catalog.Schedule {
			continue
		}
		h, err := src.Lambda(f.Name)
		if err != nil {
			return nil, fmt.Errorf("scheduled function %s: %w", f.Name, err)
		}
		jobs = append(jobs, job{fn: f, handler: h})
	}
	return jobs, nil
}

// every invokes the job each interval until ctx ends.
func (j job) every(ctx context.Context, log *slog.Logger, interval time.Duration, now func() time.Time) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			j.invoke(ctx, log, now())
		}
	}
}

func (j job) invoke(ctx context.Context, log *slog.Logger, at time.Time) {
	payload, err := scheduledEvent(j.fn.Name, at)
	if err != nil {
		log.Error("scheduled event", "function", j.fn.Name, "err", err)
		return
	}
	start := time.Now()
	out, err := j.handler.Invoke(ctx, payload)
	if err != nil {
		log.Error("scheduled run failed", "function", j.fn.Name, "err", err, "took", time.Since(start))
		return
	}
	log.Info("scheduled run", "function", j.fn.Name, "took", time.Since(start), "response", string(out))
}

// scheduledEvent is what EventBridge Scheduler sends a target of a rate or
// cron rule: detail-type "Scheduled Event", source "aws.events", empty
// detail and the rule's ARN in resources.
func scheduledEvent(name string, at time.Time) ([]byte, error) {
	const account = "000000000000"
	ev := events.CloudWatchEvent{
		Version:    "0",
		ID:         localcloud.NewID(),
		DetailType: "Scheduled Event",
		Source:     "aws.events",
		AccountID:  account,
		Time:       at.UTC().Truncate(time.Second),
		Region:     localcloud.DefaultRegion,
		Resources:  []string{"arn:aws:events:" + localcloud.DefaultRegion + ":" + account + ":rule/local-" + name},
		Detail:     json.RawMessage(`{}`),
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("marshal scheduled event: %w", err)
	}
	return b, nil
}
