package app_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app"
)

func TestLambdaAWSConfig(t *testing.T) {
	_, table := testenv.DynamoDB(t) // starts DynamoDB Local and sets AWS_ENDPOINT_URL_DYNAMODB
	env := map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_SESSION_TOKEN": "tok",
		"AWS_ENDPOINT_URL_DYNAMODB": os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"),
	}
	cfg, err := app.LambdaAWSConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-1" {
		t.Errorf("region %q", cfg.Region)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "local" || creds.SessionToken != "tok" {
		t.Errorf("credentials %+v, %v", creds, err)
	}
	t.Run("the service endpoint variable reaches the client", func(t *testing.T) {
		out, err := dynamodb.NewFromConfig(cfg).DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: &table})
		if err != nil || *out.Table.TableName != table {
			t.Fatalf("DescribeTable through the configured endpoint: %v", err)
		}
	})
	t.Run("a service without its variable keeps the AWS endpoint", func(t *testing.T) {
		c := sesv2.NewFromConfig(cfg)
		if ep := c.Options().BaseEndpoint; ep != nil && !strings.Contains(*ep, "amazonaws") {
			t.Errorf("SES endpoint %q, want the AWS default", *ep)
		}
	})
	for name, missing := range map[string]string{"no region": "AWS_REGION", "no credentials": "AWS_SECRET_ACCESS_KEY"} {
		t.Run(name, func(t *testing.T) {
			bad := map[string]string{}
			for k, v := range env {
				if k != missing {
					bad[k] = v
				}
			}
			if _, err := app.LambdaAWSConfig(func(k string) string { return bad[k] }); err == nil {
				t.Errorf("accepted a configuration without %s", missing)
			}
		})
	}
}
