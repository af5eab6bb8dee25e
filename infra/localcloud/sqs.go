package localcloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/Admiral-Piett/goaws/app/gosqs"
	"github.com/Admiral-Piett/goaws/app/router"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/schemas"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"
	"github.com/sirupsen/logrus"
)

// EnvSQSEndpoint is the SDK's endpoint variable for SQS.
const EnvSQSEndpoint = "AWS_ENDPOINT_URL_SQS"

// DefaultSQSPort is the SQS emulator's port in a local run.
const DefaultSQSPort = 8009

// SQSAccountID is the account segment of the emulator's queue URLs.
const SQSAccountID = "000000000000"

// sqsStarted guards goaws's package-level state: one emulator per process.
var sqsStarted sync.Mutex

// StartSQS runs the goaws SQS emulator (github.com/Admiral-Piett/goaws, in
// memory, visibility timeouts and redrive included) in this process on
// addr ("127.0.0.1:0" picks a port; loopback only) and creates the named
// queues. goaws keeps its queues in package variables, so only one may run
// per process at a time; Stop frees the slot (the queues are kept).
//
// goaws speaks SQS's original Query protocol; the SDK's SQS client speaks
// the JSON protocol since 2023, whose operations and shapes are the same.
// Clients of the emulator pass SQSQueryProtocol when they are built.
func StartSQS(ctx context.Context, addr string, queues ...string) (*Service, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("sqs emulator address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("sqs emulator address %q: only loopback IP addresses are allowed", addr)
	}
	if !sqsStarted.TryLock() {
		return nil, errors.New("sqs emulator: one is already running in this process (goaws keeps global state)")
	}
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		sqsStarted.Unlock()
		return nil, fmt.Errorf("sqs emulator: listen on %s: %w", addr, err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	// goaws logs every call through logrus's standard logger.
	logrus.SetOutput(io.Discard)
	app.CurrentEnvironment = app.Environment{
		Host: host, Port: strconv.Itoa(port), AccountID: SQSAccountID,
		// No region: goaws would put it in the queue URL's host name.
		QueueAttributeDefaults: app.EnvQueueAttributes{VisibilityTimeout: 30, MaximumMessageSize: 256 << 10},
	}
	srv := &http.Server{Handler: router.New(), ReadHeaderTimeout: 10 * time.Second}
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	// Expires visibility timeouts and moves messages to dead-letter queues.
	go gosqs.PeriodicTasks(time.Second, quit)
	svc := &Service{Name: "sqs", Endpoint: "http://" + net.JoinHostPort(host, strconv.Itoa(port))}
	svc.stop = func() {
		close(quit)
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-done
		sqsStarted.Unlock()
	}
	cfg, err := AWSConfig(ctx)
	if err != nil {
		svc.Stop()
		return nil, err
	}
	client := NewSQSClient(cfg, svc.Endpoint)
	for _, q := range queues {
		if _, err := CreateQueue(ctx, client, q); err != nil {
			svc.Stop()
			return nil, err
		}
	}
	return svc, nil
}

// SQSQueryProtocol makes an SQS client speak the Query protocol, which the
// emulator understands: pass it to sqs.NewFromConfig for a local client.
func SQSQueryProtocol(o *sqs.Options) { o.Protocol = awsquery.New(schemas.AmazonSQS) }

// NewSQSClient returns an SQS client for the emulator at endpoint.
func NewSQSClient(cfg aws.Config, endpoint string) *sqs.Client {
	return sqs.NewFromConfig(cfg, SQSQueryProtocol, func(o *sqs.Options) { o.BaseEndpoint = &endpoint })
}

// CreateQueue creates (or finds) a queue on the emulator and returns its URL.
func CreateQueue(ctx context.Context, client *sqs.Client, name string) (string, error) {
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name})
	if err != nil {
		return "", fmt.Errorf("sqs emulator: create queue %s: %w", name, err)
	}
	return *out.QueueUrl, nil
}
