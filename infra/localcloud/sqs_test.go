package localcloud_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/example/myprofile/infra/localcloud"
)

func TestSQSEmulatorRoundTripsThroughTheSDK(t *testing.T) {
	ctx := context.Background()
	if _, err := localcloud.StartSQS(ctx, "0.0.0.0:0"); err == nil {
		t.Fatal("StartSQS listened on a non-loopback address")
	}
	svc, err := localcloud.StartSQS(ctx, "127.0.0.1:0", "work")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := localcloud.StartSQS(ctx, "127.0.0.1:0"); err == nil {
		t.Error("a second emulator started in the same process (goaws state is global)")
	}
	cfg, err := localcloud.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	client := localcloud.NewSQSClient(cfg, svc.Endpoint)
	url, err := localcloud.CreateQueue(ctx, client, "work") // created by StartSQS: found again
	if err != nil {
		t.Fatal(err)
	}
	out, err := client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: []sqstypes.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String(`{"n":1}`)}, {Id: aws.String("b"), MessageBody: aws.String(`{"n":2}`)},
	}})
	if err != nil || len(out.Successful) != 2 {
		t.Fatalf("send batch: %+v, %v", out, err)
	}
	got, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	if err != nil || len(got.Messages) != 2 {
		t.Fatalf("receive: %+v, %v; want both messages", got, err)
	}
	// In flight: not delivered again until the visibility timeout ends.
	if again, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}); err != nil || len(again.Messages) != 0 {
		t.Fatalf("receive while in flight: %d messages, %v", len(again.Messages), err)
	}
	svc.Stop()
	svc2, err := localcloud.StartSQS(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("start after stop: %v", err)
	}
	svc2.Stop()
}
