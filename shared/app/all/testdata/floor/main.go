// Command floor is the hello-world Lambda (testdata/hello) plus the AWS SDK
// clients a function's catalog entry needs: DynamoDB's always, and SES v2,
// SNS, Secrets Manager, EventBridge, S3 and SQS when built with the tags
// floor_ses, floor_sns, floor_secrets, floor_events, floor_s3, floor_sqs.
// Each client makes one call in the handler, so the linker keeps it as in
// a function. BenchmarkColdStart measures it beside the function whose
// needs it copies: the init that function would have with no code of ours,
// which is what the SDK's package initialisation costs it.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// call is one client's call.
type call func(context.Context, aws.Config) error

// clients are the tagged files' calls, registered by their init functions
// before main runs and only read after.
var clients []call

func main() {
	cfg := aws.Config{Region: os.Getenv("AWS_REGION")}
	db := dynamodb.NewFromConfig(cfg)
	lambda.Start(func(ctx context.Context) (string, error) {
		if _, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}}}); err != nil {
			return "", err
		}
		if _, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("t")}); err != nil {
			return "", err
		}
		if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{}); err != nil {
			return "", err
		}
		for _, c := range clients {
			if err := c(ctx, cfg); err != nil {
				return "", err
			}
		}
		return "hello", nil
	})
}
