package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/shared/app/all"
	"github.com/example/myprofile/shared/app/dailysummarywire"
	"github.com/example/myprofile/shared/catalog"
)

// localQueues are the catalog's work queues on the goaws SQS emulator and a
// poller per queue function, as the SQS event source mapping would run it.
// Off by default: `make run` sends the daily summary inline (no
// DIGEST_QUEUE_URL), as a small deployment does. LOCAL_QUEUES=1 turns the
// fan-out on: the daily summary run enqueues and daily-summary-worker sends.
type localQueues struct {
	svc       *localcloud.Service
	consumers []queueConsumer
}

// running reports whether the queue functions run locally.
func (q *localQueues) running() bool { return q != nil && q.svc != nil }

// Stop stops the emulator (nil-safe).
func (q *localQueues) Stop() {
	if q != nil {
		q.svc.Stop()
	}
}

type queueConsumer struct {
	fn      string
	url     string
	client  *sqs.Client
	handler lambda.Handler
}

// startQueues starts the emulator on 127.0.0.1:SQS_PORT (8009) with one
// queue per Needs.Queue name, points deps at it (its own SQS client: the
// emulator speaks SQS's Query protocol) and returns the pollers to run.
func startQueues(ctx context.Context, log *slog.Logger, deps *all.Deps, fns []catalog.Function) (*localQueues, error) {
	if os.Getenv("LOCAL_QUEUES") != "1" {
		return nil, nil
	}
	port := localcloud.DefaultSQSPort
	if v := os.Getenv("SQS_PORT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("SQS_PORT=%q: want a port number 1-65535", v)
		}
		port = n
	}
	svc, err := localcloud.StartSQS(ctx, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	q := &localQueues{svc: svc}
	cfg, err := localcloud.AWSConfig(ctx)
	if err != nil {
		svc.Stop()
		return nil, err
	}
	client := localcloud.NewSQSClient(cfg, svc.Endpoint)
	deps.SetClient(dailysummarywire.SQS, client)
	urls := map[string]string{}
	for _, f := range fns {
		name := f.Needs.Queue
		if name == "" || urls[name] != "" {
			continue
		}
		if urls[name], err = localcloud.CreateQueue(ctx, client, name); err != nil {
			svc.Stop()
			return nil, err
		}
	}
	// The stack gives each producer its queue's URL; the daily summary's
	// is the only producer so far.
	deps.Config.DigestQueueURL = urls["digest"]
	for _, f := range fns {
		if f.Kind != catalog.Queue {
			continue
		}
		h, err := deps.Lambda(f.Name)
		if err != nil {
			svc.Stop()
			return nil, fmt.Errorf("queue function %s: %w", f.Name, err)
		}
		q.consumers = append(q.consumers, queueConsumer{fn: f.Name, url: urls[f.Needs.Queue], client: client, handler: h})
	}
	log.Info("SQS emulator (goaws) for the work queues", "endpoint", svc.Endpoint, "queues", urls)
	return q, nil
}

// poll receives up to 10 messages at a time and invokes the function with
// them until ctx ends; it deletes the messages the function did not report
// as failed, so the failed ones come back after the visibility timeout.
func (c queueConsumer) poll(ctx context.Context, log *slog.Logger) {
	for ctx.Err() == nil {
		out, err := c.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(c.url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
		})
		if err != nil || len(out.Messages) == 0 {
			if err != nil && ctx.Err() == nil {
				log.Error("receive", "function", c.fn, "err", err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		c.invoke(ctx, log, out.Messages)
	}
}

func (c queueConsumer) invoke(ctx context.Context, log *slog.Logger, msgs []sqstypes.Message) {
	var ev events.SQSEvent
	for _, m := range msgs {
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body),
			Attributes: m.Attributes, EventSource: "aws:sqs", EventSourceARN: c.url, AWSRegion: localcloud.DefaultRegion,
		})
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		log.Error("queue event", "function", c.fn, "err", err)
		return
	}
	start := time.Now()
	out, err := c.handler.Invoke(ctx, payload)
	if err != nil {
		log.Error("queue batch failed; it comes back after the visibility timeout", "function", c.fn, "err", err, "took", time.Since(start))
		return
	}
	var res events.SQSEventResponse
	if err := json.Unmarshal(out, &res); err != nil {
		log.Error("queue function response", "function", c.fn, "err", err)
		return
	}
	failed := map[string]bool{}
	for _, f := range res.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	for _, m := range ev.Records {
		if failed[m.MessageId] {
			continue
		}
		if _, err := c.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(c.url), ReceiptHandle: aws.String(m.ReceiptHandle)}); err != nil {
			log.Error("delete message", "function", c.fn, "err", err)
		}
	}
	log.Info("queue batch", "function", c.fn, "messages", len(ev.Records), "failed", len(failed), "took", time.Since(start))
}
