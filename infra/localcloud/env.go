package localcloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Dummy credentials and region for the local services. DynamoDB Local runs
// with -sharedDb, so the values do not matter; the SES emulator only wants an
// Authorization header to be present.
const (
	DummyAccessKeyID     = "local"
	DummySecretAccessKey = "local"
	DefaultRegion        = "us-east-1"
)

// EnvOptions configures StartEnv.
type EnvOptions struct {
	// Ports on 127.0.0.1; zero picks a free port.
	DynamoDBPort, SESPort, SNSPort, EventBridgePort int
	// DynamoDBDataDir keeps DynamoDB Local's data there; empty: in memory.
	DynamoDBDataDir string
	// RepoRoot holds node_modules; empty: found from the working directory.
	RepoRoot string
	// Log receives the services' own output; nil discards it.
	Log io.Writer
	// Getenv reads the caller's environment (nil: os.Getenv). A service
	// whose AWS_ENDPOINT_URL_* variable is set is not started: that
	// endpoint is used instead.
	Getenv func(string) string
}

// Env is a set of local services, started or given.
type Env struct {
	DynamoDB string // DynamoDB endpoint
	SES      string // SES v2 endpoint; its mail view is the same URL
	SNS      string // SNS endpoint; GET /store lists recorded SMS
	// EventBridge is the EventBridge recorder's endpoint; GET /events lists
	// the published events.
	EventBridge string
	// S3 is the avatar bucket's endpoint, taken from AWS_ENDPOINT_URL_S3
	// when given. The S3 emulator itself is started by its user (StartS3:
	// the local gateway and the avatar tests), which hooks each upload.
	S3 string

	// Started lists the services this Env started (and Stop stops).
	Started []*Service
}

// StartEnv starts DynamoDB Local, the SES emulator and the SNS recorder,
// except those whose endpoint variable is already set. On error, whatever it
// started is stopped.
func StartEnv(ctx context.Context, o EnvOptions) (*Env, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	e := &Env{
		DynamoDB:    getenv(EnvDynamoDBEndpoint),
		SES:         getenv(EnvSESEndpoint),
		SNS:         getenv(EnvSNSEndpoint),
		EventBridge: getenv(EnvEventBridgeEndpoint),
		S3:          getenv(EnvS3Endpoint),
	}
	opts := Options{RepoRoot: o.RepoRoot, Log: o.Log}
	if e.DynamoDB == "" {
		do := opts
		do.Port, do.DataDir = o.DynamoDBPort, o.DynamoDBDataDir
		svc, err := StartDynamoDB(ctx, do)
		if err != nil {
			e.Stop()
			return nil, err
		}
		e.Started = append(e.Started, svc)
		e.DynamoDB = svc.Endpoint
	}
	if e.SES == "" {
		so := opts
		so.Port = o.SESPort
		svc, err := StartSES(ctx, so)
		if err != nil {
			e.Stop()
			return nil, err
		}
		e.Started = append(e.Started, svc)
		e.SES = svc.Endpoint
	}
	if e.SNS == "" {
		svc, _, err := StartSNSRecorder(ctx, "127.0.0.1:"+strconv.Itoa(o.SNSPort))
		if err != nil {
			e.Stop()
			return nil, err
		}
		e.Started = append(e.Started, svc)
		e.SNS = svc.Endpoint
	}
	if e.EventBridge == "" {
		svc, _, err := StartEventBridgeRecorder(ctx, "127.0.0.1:"+strconv.Itoa(o.EventBridgePort))
		if err != nil {
			e.Stop()
			return nil, err
		}
		e.Started = append(e.Started, svc)
		e.EventBridge = svc.Endpoint
	}
	return e, nil
}

// Stop stops every service the Env started, last first.
func (e *Env) Stop() {
	if e == nil {
		return
	}
	for i := len(e.Started) - 1; i >= 0; i-- {
		e.Started[i].Stop()
	}
	e.Started = nil
}

// Vars returns the variables that point the AWS SDK at the Env: the endpoint
// variables, dummy credentials and the region.
func (e *Env) Vars() map[string]string {
	v := map[string]string{
		EnvDynamoDBEndpoint:         e.DynamoDB,
		EnvSESEndpoint:              e.SES,
		EnvSNSEndpoint:              e.SNS,
		EnvEventBridgeEndpoint:      e.EventBridge,
		"AWS_ACCESS_KEY_ID":         DummyAccessKeyID,
		"AWS_SECRET_ACCESS_KEY":     DummySecretAccessKey,
		"AWS_REGION":                DefaultRegion,
		"AWS_DEFAULT_REGION":        DefaultRegion,
		"AWS_EC2_METADATA_DISABLED": "true",
	}
	if e.S3 != "" {
		v[EnvS3Endpoint] = e.S3
	}
	return v
}

// unsetVars would make the SDK use real credentials or a named profile.
var unsetVars = []string{"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"}

// Environ returns base ("KEY=VALUE" lines, as os.Environ gives) with the
// Env's Vars set and variables that would reach a real account removed.
func (e *Env) Environ(base []string) []string {
	vars := e.Vars()
	drop := map[string]bool{}
	for k := range vars {
		drop[k] = true
	}
	for _, k := range unsetVars {
		drop[k] = true
	}
	out := make([]string, 0, len(base)+len(vars))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	return out
}

// Setenv applies the Env to this process's environment, for code that runs
// in-process (the local gateway).
func (e *Env) Setenv() error {
	var errs []error
	for _, k := range unsetVars {
		errs = append(errs, os.Unsetenv(k))
	}
	for k, v := range e.Vars() {
		errs = append(errs, os.Setenv(k, v))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("set environment: %w", err)
	}
	return nil
}

// LogValue lets slog print an Env.
func (e *Env) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("dynamodb", e.DynamoDB),
		slog.String("ses", e.SES),
		slog.String("sns", e.SNS),
		slog.String("eventbridge", e.EventBridge),
		slog.String("s3", e.S3),
	)
}

// AWSConfig loads the SDK's default configuration (which reads the
// AWS_ENDPOINT_URL_* variables itself), with dummy static credentials when
// AWS_ACCESS_KEY_ID is not set and region us-east-1 when none is set.
func AWSConfig(ctx context.Context) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(DummyAccessKeyID, DummySecretAccessKey, "")))
	}
	if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
		opts = append(opts, config.WithRegion(DefaultRegion))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	return cfg, nil
}

// EnvOptionsFromEnv reads the ports DYNAMODB_PORT (default 8000), SES_PORT
// (8005) and SNS_PORT (8006) and the optional DYNAMODB_DATA_DIR through
// getenv. With freePorts the port variables are ignored and free ports are
// picked (tests, so they never clash with a running `make run`).
func EnvOptionsFromEnv(getenv func(string) string, freePorts bool) (EnvOptions, error) {
	o := EnvOptions{DynamoDBDataDir: getenv("DYNAMODB_DATA_DIR"), Getenv: getenv}
	if freePorts {
		return o, nil
	}
	ports := []struct {
		name string
		def  int
		dst  *int
	}{
		{"DYNAMODB_PORT", DefaultDynamoDBPort, &o.DynamoDBPort},
		{"SES_PORT", DefaultSESPort, &o.SESPort},
		{"SNS_PORT", DefaultSNSPort, &o.SNSPort},
		{"EVENTBRIDGE_PORT", DefaultEventBridgePort, &o.EventBridgePort},
	}
	for _, p := range ports {
		*p.dst = p.def
		if v := getenv(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 65535 {
				return o, fmt.Errorf("%s=%q: want a port number 1-65535", p.name, v)
			}
			*p.dst = n
		}
	}
	return o, nil
}
