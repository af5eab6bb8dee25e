package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// fakeSQS answers SendMessageBatch: it refuses the bodies in refuse, fails
// whole calls listed in down (by call number), and leaves out of its
// answer the bodies in silent.
type fakeSQS struct {
	calls  [][]string
	refuse map[string]bool
	silent map[string]bool
	down   map[int]bool
}

func (f *fakeSQS) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	var bodies []string
	for _, e := range in.Entries {
		bodies = append(bodies, aws.ToString(e.MessageBody))
	}
	f.calls = append(f.calls, bodies)
	if f.down[len(f.calls)] {
		return nil, errors.New("connection reset")
	}
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		switch b := aws.ToString(e.MessageBody); {
		case f.silent[b]:
		case f.refuse[b]:
			out.Failed = append(out.Failed, sqstypes.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError"), SenderFault: false})
		default:
			out.Successful = append(out.Successful, sqstypes.SendMessageBatchResultEntry{Id: e.Id})
		}
	}
	return out, nil
}

func bodies(n int) []string {
	b := make([]string, n)
	for i := range b {
		b[i] = "m" + strconv.Itoa(i)
	}
	return b
}

func TestSendBatchesAndReportsEachMessage(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		fake      *fakeSQS
		wantCalls []int
		wantFail  []int
	}{
		{"25 messages go in batches of 10, 10 and 5", 25, &fakeSQS{}, []int{10, 10, 5}, nil},
		{"a refused message fails alone", 12, &fakeSQS{refuse: map[string]bool{"m3": true, "m11": true}}, []int{10, 2}, []int{3, 11}},
		{"a failed call fails its whole batch only", 15, &fakeSQS{down: map[int]bool{1: true}}, []int{10, 5}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"a message missing from the answer counts as failed", 3, &fakeSQS{silent: map[string]bool{"m1": true}}, []int{3}, []int{1}},
		{"nothing to send makes no call", 0, &fakeSQS{}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := (&SQS{Client: tt.fake, URL: "http://q"}).Send(context.Background(), bodies(tt.n))
			if len(errs) != tt.n {
				t.Fatalf("got %d results, want %d", len(errs), tt.n)
			}
			var calls []int
			for _, c := range tt.fake.calls {
				calls = append(calls, len(c))
			}
			if fmt.Sprint(calls) != fmt.Sprint(tt.wantCalls) {
				t.Errorf("batch sizes %v, want %v", calls, tt.wantCalls)
			}
			var failed []int
			for i, err := range errs {
				if err != nil {
					failed = append(failed, i)
				}
			}
			if fmt.Sprint(failed) != fmt.Sprint(tt.wantFail) {
				t.Errorf("failed %v, want %v", failed, tt.wantFail)
			}
			if tt.fake.refuse != nil {
				for _, i := range failed {
					if !errors.Is(errs[i], ErrRejected) {
						t.Errorf("message %d: %v, want ErrRejected", i, errs[i])
					}
				}
			}
		})
	}
}
