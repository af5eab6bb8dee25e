package all_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/all"
	"github.com/example/myprofile/shared/catalog"
)

// Each function starts the way its main does (all.Load is app.Load, then
// its handler) in a Lambda-like environment whose every AWS endpoint is a
// local listener: starting makes no network call (issue 2). The 2FA data
// key is named by a secret, so its read must wait for first use too.
func TestStartingMakesNoNetworkCall(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "no call is expected while starting", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	// The SDK prefers a service's own AWS_ENDPOINT_URL_<SERVICE> (which
	// `make test` exports for the local services) to AWS_ENDPOINT_URL: point
	// every one set in the environment, and every service the functions
	// use, at the counting server.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_ENDPOINT_URL_") {
			t.Setenv(k, srv.URL)
		}
	}
	for _, id := range serviceIDs {
		t.Setenv(endpointVar(id), srv.URL)
	}
	for k, v := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME": "MyProfile-prod-Fn", "AWS_REGION": "eu-west-1",
		"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
		"AWS_ENDPOINT_URL": srv.URL,
		"STAGE":            "prod", "TABLE_NAME": "MyProfile-prod", "SENDER_EMAIL": "no-reply@example.com",
		"MFA_DATA_KEY_SECRET": "myprofile/prod/mfa", "WEBAUTHN_RP_ID": "example.com", "WEBAUTHN_ORIGINS": "https://app.example.com",
		"UPLOADS_BUCKET": "uploads", "AVATAR_BASE_URL": "https://cdn.example.com", "QUEUE_URL": srv.URL + "/000000000000/digest",
	} {
		t.Setenv(k, v)
	}
	for _, fn := range catalog.All() {
		t.Run(fn.Name, func(t *testing.T) {
			d, err := all.Load(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Lambda(fn.Name); err != nil {
				t.Fatal(err)
			}
		})
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%d network calls while starting the functions, want 0", n)
	}

	// The count can see a call: a client of each service the functions
	// use, configured as they are, reaches the counting server.
	cfg, err := app.LambdaAWSConfig(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	ctx := t.Context()
	for _, probe := range []struct {
		id   string
		call func() error
	}{
		{dynamodb.ServiceID, func() error {
			_, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{})
			return err
		}},
		{sesv2.ServiceID, func() error {
			_, err := sesv2.NewFromConfig(cfg).GetAccount(ctx, &sesv2.GetAccountInput{})
			return err
		}},
		{sns.ServiceID, func() error {
			_, err := sns.NewFromConfig(cfg).ListTopics(ctx, &sns.ListTopicsInput{})
			return err
		}},
		{s3.ServiceID, func() error {
			_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(ctx, &s3.ListBucketsInput{})
			return err
		}},
		{sqs.ServiceID, func() error {
			_, err := sqs.NewFromConfig(cfg).ListQueues(ctx, &sqs.ListQueuesInput{})
			return err
		}},
		{secretsmanager.ServiceID, func() error {
			_, err := secretsmanager.NewFromConfig(cfg).ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
			return err
		}},
	} {
		before := calls.Load()
		_ = probe.call() // the counting server answers 503
		if calls.Load() == before {
			t.Errorf("a %s call did not reach the counting server: set %s in this test", probe.id, endpointVar(probe.id))
		}
	}
}

// serviceIDs are the SDK service ids of the clients the functions build.
var serviceIDs = []string{dynamodb.ServiceID, sesv2.ServiceID, sns.ServiceID, s3.ServiceID, sqs.ServiceID, secretsmanager.ServiceID}

// endpointVar is the variable the SDK reads for a service's endpoint
// (AWS_ENDPOINT_URL_SECRETS_MANAGER for "Secrets Manager").
func endpointVar(serviceID string) string {
	return "AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(serviceID, " ", "_"))
}
