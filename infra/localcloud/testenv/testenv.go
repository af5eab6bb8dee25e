// Package testenv gives tests the local AWS services through the real SDK
// clients. A service whose AWS_ENDPOINT_URL_* variable is set (as `make test`
// does through infra/devenv) is used as is; otherwise the first test that
// needs it starts one for the whole test binary and sets the variable, so
// code under test that builds its own clients finds it too. Call Main from
// TestMain to stop what was started when the tests end:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
// One service serves every test (and, under `make test`, every package):
// tests use their own table (DynamoDB) and unique recipients (SES, SNS).
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/shared/store"
)

// shared is one lazily started service per test binary.
type shared struct {
	envVar string
	start  func(context.Context) (*localcloud.Service, error)

	once     sync.Once
	endpoint string
	svc      *localcloud.Service
	err      error
}

func (s *shared) get(t testing.TB) string {
	t.Helper()
	s.once.Do(func() {
		if ep := os.Getenv(s.envVar); ep != "" {
			s.endpoint = ep
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		s.svc, s.err = s.start(ctx)
		if s.err != nil {
			return
		}
		s.endpoint = s.svc.Endpoint
		s.err = os.Setenv(s.envVar, s.endpoint)
	})
	if s.err != nil {
		t.Fatalf("testenv: %s: %v", s.envVar, s.err)
	}
	return s.endpoint
}

var (
	ddb = &shared{envVar: localcloud.EnvDynamoDBEndpoint, start: func(ctx context.Context) (*localcloud.Service, error) {
		return localcloud.StartDynamoDB(ctx, localcloud.Options{})
	}}
	ses = &shared{envVar: localcloud.EnvSESEndpoint, start: func(ctx context.Context) (*localcloud.Service, error) {
		return localcloud.StartSES(ctx, localcloud.Options{})
	}}
	smsRec = &shared{envVar: localcloud.EnvSNSEndpoint, start: func(ctx context.Context) (*localcloud.Service, error) {
		svc, _, err := localcloud.StartSNSRecorder(ctx, "127.0.0.1:0")
		return svc, err
	}}
	all = []*shared{ddb, ses, smsRec}
)

// Main runs the tests and then stops the services this binary started.
func Main(m *testing.M) {
	code := m.Run()
	for _, s := range all {
		s.svc.Stop()
	}
	os.Exit(code)
}

// Config returns the SDK configuration the clients use: the default chain
// (which reads the AWS_ENDPOINT_URL_* variables), with dummy credentials and
// region us-east-1 unless the environment gives them.
func Config(t testing.TB) aws.Config {
	t.Helper()
	cfg, err := localcloud.AWSConfig(context.Background())
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return cfg
}

// DynamoDB returns a client for DynamoDB Local and the name of a new, empty
// table built from the project's one table definition. The table is deleted
// when the test ends.
func DynamoDB(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	ddb.get(t)
	db := dynamodb.NewFromConfig(Config(t))
	name := "test-" + RandomID(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := store.CreateTable(ctx, db, name); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Errorf("testenv: delete table %s: %v", name, err)
		}
	})
	return db, name
}

// SES returns a client for the SES v2 emulator and the emulator's endpoint,
// for localcloud.SESMessages.
func SES(t testing.TB) (*sesv2.Client, string) {
	t.Helper()
	ep := ses.get(t)
	return sesv2.NewFromConfig(Config(t)), ep
}

// SNS returns a client for the SNS recorder and its endpoint, for
// localcloud.SMSMessages. Without AWS_ENDPOINT_URL_SNS the recorder runs
// inside the test binary.
func SNS(t testing.TB) (*sns.Client, string) {
	t.Helper()
	ep := smsRec.get(t)
	return sns.NewFromConfig(Config(t)), ep
}

// RandomID returns 16 random hex characters, for table names, email
// addresses and other values that must not collide between tests.
func RandomID(t testing.TB) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("testenv: random: %v", err)
	}
	return hex.EncodeToString(b[:])
}

// Email returns a unique address at example.com for one test's inbox.
func Email(t testing.TB) string {
	t.Helper()
	return "user-" + RandomID(t) + "@example.com"
}
