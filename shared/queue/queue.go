// Package queue is the SQS side of work handed from one function to
// another (the daily summary's fan-out): the SDK calls live here so that
// capability packages only see a small Send interface.
package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// MaxBatch is the most messages one SendMessageBatch call takes.
const MaxBatch = 10

// API is the part of the SQS client the sender uses.
type API interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// SQS sends message bodies to one queue.
type SQS struct {
	Client API
	URL    string
}

// ErrRejected wraps the reason SQS gave for refusing one message of a batch
// (its error code only: the message is never quoted).
var ErrRejected = errors.New("queue: message rejected")

// Send enqueues the bodies, MaxBatch per SendMessageBatch call, and returns
// one error per body: nil when SQS accepted it. A call that fails as a
// whole fails every body of its batch (SQS may still have stored some; the
// consumer must tolerate a duplicate).
func (q *SQS) Send(ctx context.Context, bodies []string) []error {
	errs := make([]error, len(bodies))
	for start := 0; start < len(bodies); start += MaxBatch {
		batch := bodies[start:min(start+MaxBatch, len(bodies))]
		entries := make([]sqstypes.SendMessageBatchRequestEntry, len(batch))
		for i, b := range batch {
			entries[i] = sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(start + i)), MessageBody: aws.String(b)}
		}
		out, err := q.Client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(q.URL), Entries: entries})
		if err != nil {
			for i := range batch {
				errs[start+i] = fmt.Errorf("queue: send batch: %w", err)
			}
			continue
		}
		// An entry SQS neither accepted nor refused is treated as refused.
		done := make([]bool, len(batch))
		for _, ok := range out.Successful {
			if i, err := strconv.Atoi(aws.ToString(ok.Id)); err == nil && i >= start && i < start+len(batch) {
				done[i-start] = true
			}
		}
		for _, f := range out.Failed {
			if i, err := strconv.Atoi(aws.ToString(f.Id)); err == nil && i >= start && i < start+len(batch) {
				errs[i] = fmt.Errorf("%w: %s (sender fault %t)", ErrRejected, aws.ToString(f.Code), f.SenderFault)
				done[i-start] = true
			}
		}
		for i, d := range done {
			if !d {
				errs[start+i] = fmt.Errorf("%w: not in the response", ErrRejected)
			}
		}
	}
	return errs
}
