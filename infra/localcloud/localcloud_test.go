package localcloud_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func mustConfig(t *testing.T) aws.Config {
	t.Helper()
	cfg, err := localcloud.AWSConfig(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func dynamoClient(t *testing.T, endpoint string) *dynamodb.Client {
	t.Helper()
	return dynamodb.NewFromConfig(mustConfig(t), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

func mustStartDynamoDB(t *testing.T, o localcloud.Options) *localcloud.Service {
	t.Helper()
	svc, err := localcloud.StartDynamoDB(t.Context(), o)
	if err != nil {
		t.Fatalf("StartDynamoDB: %v", err)
	}
	t.Cleanup(svc.Stop)
	return svc
}

func answers(endpoint string) bool {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get(endpoint + "/")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

func TestStartDynamoDB(t *testing.T) {
	t.Parallel()
	svc := mustStartDynamoDB(t, localcloud.Options{})
	if !strings.HasPrefix(svc.Endpoint, "http://127.0.0.1:") {
		t.Fatalf("endpoint %q, want http://127.0.0.1:PORT", svc.Endpoint)
	}
	db := dynamoClient(t, svc.Endpoint)
	ctx := t.Context()
	if err := store.CreateTable(ctx, db, "things"); err != nil {
		t.Fatal(err)
	}
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("things")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(out.Table.GlobalSecondaryIndexes), len(store.Definition().Indexes); got != want {
		t.Errorf("indexes: got %d, want %d", got, want)
	}

	t.Run("a condition that fails is refused", func(t *testing.T) {
		put := func() error {
			_, err := db.PutItem(ctx, &dynamodb.PutItemInput{
				TableName: aws.String("things"),
				Item: map[string]ddbtypes.AttributeValue{
					"pk": &ddbtypes.AttributeValueMemberS{Value: "a"},
					"sk": &ddbtypes.AttributeValueMemberS{Value: "b"},
				},
				ConditionExpression: aws.String("attribute_not_exists(pk)"),
			})
			return err
		}
		if err := put(); err != nil {
			t.Fatalf("first put: %v", err)
		}
		var ccf *ddbtypes.ConditionalCheckFailedException
		if err := put(); !errors.As(err, &ccf) {
			t.Fatalf("second put: got %v, want ConditionalCheckFailedException", err)
		}
	})

	t.Run("stop ends the server", func(t *testing.T) {
		svc.Stop()
		svc.Stop() // idempotent
		if answers(svc.Endpoint) {
			t.Fatalf("%s still answers after Stop", svc.Endpoint)
		}
	})
}

func TestStartDynamoDBDataDirKeepsTables(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := mustStartDynamoDB(t, localcloud.Options{DataDir: dir})
	if err := store.CreateTable(t.Context(), dynamoClient(t, first.Endpoint), "kept"); err != nil {
		t.Fatal(err)
	}
	first.Stop()

	second := mustStartDynamoDB(t, localcloud.Options{DataDir: dir})
	out, err := dynamoClient(t, second.Endpoint).ListTables(t.Context(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.TableNames) != 1 || out.TableNames[0] != "kept" {
		t.Fatalf("tables after restart: got %v, want [kept]", out.TableNames)
	}
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port

	tests := []struct {
		name    string
		start   func(context.Context, localcloud.Options) (*localcloud.Service, error)
		opts    localcloud.Options
		wantIs  error
		wantMsg string
	}{
		{"dynamodb without node_modules", localcloud.StartDynamoDB, localcloud.Options{RepoRoot: t.TempDir()}, localcloud.ErrNotInstalled, "make deps"},
		{"ses without node_modules", localcloud.StartSES, localcloud.Options{RepoRoot: t.TempDir()}, localcloud.ErrNotInstalled, "make deps"},
		{"dynamodb on a busy port", localcloud.StartDynamoDB, localcloud.Options{Port: busyPort}, nil, "not free"},
		{"ses on a busy port", localcloud.StartSES, localcloud.Options{Port: busyPort}, nil, "not free"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, err := tt.start(t.Context(), tt.opts)
			if err == nil {
				svc.Stop()
				t.Fatal("got no error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("got %v, want it to wrap %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("got %q, want it to mention %q", err, tt.wantMsg)
			}
		})
	}
}

func TestStartSESAndReadInbox(t *testing.T) {
	t.Parallel()
	svc, err := localcloud.StartSES(t.Context(), localcloud.Options{})
	if err != nil {
		t.Fatalf("StartSES: %v", err)
	}
	t.Cleanup(svc.Stop)
	client := sesv2.NewFromConfig(mustConfig(t), func(o *sesv2.Options) { o.BaseEndpoint = aws.String(svc.Endpoint) })

	to := "inbox-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "@example.com"
	before := time.Now().Add(-time.Second).Truncate(time.Second)
	_, err = client.SendEmail(t.Context(), &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("no-reply@example.com"),
		Destination:      &sestypes.Destination{ToAddresses: []string{to}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("Your code")},
			Body: &sestypes.Body{
				Text: &sestypes.Content{Data: aws.String("Code: 123456")},
				Html: &sestypes.Content{Data: aws.String("<p>Code: <b>123456</b></p>")},
			},
		}},
	})
	if err != nil {
		t.Fatalf("SendEmail: %v", err)
	}

	msgs, err := localcloud.SESMessages(t.Context(), svc.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("got %d emails, want 1: %+v", len(msgs), msgs)
	}
	m := msgs[0]
	checks := []struct{ field, got, want string }{
		{"from", m.From, "no-reply@example.com"},
		{"to", strings.Join(m.To, ","), to},
		{"subject", m.Subject, "Your code"},
		{"text", m.Text, "Code: 123456"},
		{"html", m.HTML, "<p>Code: <b>123456</b></p>"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.field, c.got, c.want)
		}
	}
	if m.At.Before(before) || m.At.After(time.Now().Add(time.Second)) {
		t.Errorf("at: got %v, want about now", m.At)
	}

	svc.Stop()
	if _, err := localcloud.SESMessages(t.Context(), svc.Endpoint); err == nil {
		t.Error("store still answers after Stop")
	}
}
