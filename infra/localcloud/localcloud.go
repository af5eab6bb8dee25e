// Package localcloud starts the real local stand-ins for the AWS services the
// project uses: Amazon's DynamoDB Local (shipped by the npm package
// amplify-dynamodb-simulator), the aws-ses-v2-local SES v2 emulator, and an
// in-process recorder that speaks the SNS Publish action for SMS (no emulator
// supports SMS). The tests (through package testenv), infra/devenv and the
// local gateway use it.
//
// Production code never sees this package: the SDK is pointed at the local
// services with the standard variables AWS_ENDPOINT_URL_DYNAMODB,
// AWS_ENDPOINT_URL_SESV2 and AWS_ENDPOINT_URL_SNS.
package localcloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Standard environment variables the AWS SDK for Go v2 reads for a
// service-specific endpoint.
const (
	EnvDynamoDBEndpoint = "AWS_ENDPOINT_URL_DYNAMODB"
	EnvSESEndpoint      = "AWS_ENDPOINT_URL_SESV2"
	EnvSNSEndpoint      = "AWS_ENDPOINT_URL_SNS"
	// EnvEventBridgeEndpoint points the SDK at the EventBridge recorder.
	EnvEventBridgeEndpoint = "AWS_ENDPOINT_URL_EVENTBRIDGE"
	// EnvS3Endpoint is reserved for the avatar bucket's emulator (not started
	// by this package yet).
	EnvS3Endpoint = "AWS_ENDPOINT_URL_S3"
)

// Default ports of `make run`.
const (
	DefaultDynamoDBPort = 8000
	DefaultSESPort      = 8005
	DefaultSNSPort      = 8006
	// DefaultEventBridgePort is the local EventBridge's (GET /events): the
	// router under `make run` (events_router.go), the recorder elsewhere.
	// Not 8007: the S3 emulator's.
	DefaultEventBridgePort = 8010
)

// ErrNotInstalled reports that java, node or an npm package is missing.
var ErrNotInstalled = errors.New("local tool not installed (run `make deps`)")

// Options configures a local service.
type Options struct {
	// Port to listen on, on 127.0.0.1. Zero picks a free port.
	Port int
	// DataDir keeps DynamoDB Local's data in this directory (-dbPath).
	// Empty runs it in memory. Ignored by the other services.
	DataDir string
	// RepoRoot is the directory holding node_modules. Empty: found by walking
	// up from the working directory to the directory holding go.mod.
	RepoRoot string
	// Log receives the service's own output. Nil discards it (the last lines
	// are still reported when the service fails to start).
	Log io.Writer
	// StartTimeout bounds the wait until the service answers (default 60s).
	StartTimeout time.Duration
}

// Service is a running local service.
type Service struct {
	// Name is a short label ("dynamodb", "ses", "sns").
	Name string
	// Endpoint is the service's base URL, e.g. http://127.0.0.1:8000.
	Endpoint string

	stopOnce sync.Once
	stop     func()
}

// Stop stops the service (for a process: its whole process group) and waits
// for it to end. It is safe to call more than once and on a nil Service.
func (s *Service) Stop() {
	if s == nil || s.stop == nil {
		return
	}
	s.stopOnce.Do(s.stop)
}

// RepoRoot returns the nearest directory at or above the working directory
// that holds go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repo root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find repo root: no go.mod at or above the working directory")
		}
		dir = parent
	}
}

func (o Options) root() (string, error) {
	if o.RepoRoot != "" {
		return o.RepoRoot, nil
	}
	return RepoRoot()
}

func (o Options) startTimeout() time.Duration {
	if o.StartTimeout > 0 {
		return o.StartTimeout
	}
	return 60 * time.Second
}

// listenPort returns the port to use: the given one after checking it is
// free on 127.0.0.1, or a free one.
func listenPort(port int) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return 0, fmt.Errorf("port %d on 127.0.0.1 is not free (is another local environment running? set its AWS_ENDPOINT_URL_* to reuse it): %w", port, err)
	}
	p := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("release port %d: %w", p, err)
	}
	return p, nil
}

// FreePort returns a port that was free on 127.0.0.1 a moment ago.
func FreePort() (int, error) { return listenPort(0) }

// process is a started child process with its output kept for errors.
type process struct {
	name   string
	cmd    *exec.Cmd
	out    *tail
	exited chan struct{}
	err    error // set before exited is closed
}

func startProcess(name string, o Options, dir, bin string, args ...string) (*process, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out := &tail{max: 8 << 10}
	var w io.Writer = out
	if o.Log != nil {
		w = io.MultiWriter(out, o.Log)
	}
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, out: out, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// stop sends SIGTERM to the process group, then SIGKILL if it lingers.
func (p *process) stop() {
	pgid := -p.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-p.exited
	}
	// Reap anything the child left in its group.
	_ = syscall.Kill(pgid, syscall.SIGKILL)
}

// waitHTTP polls url until any HTTP response comes back, the process exits,
// or the timeout or ctx ends.
func (p *process) waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: 500 * time.Millisecond}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("wait for %s: %w", p.name, err)
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			_ = resp.Body.Close()
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%s exited before answering (%v); its output:\n%s", p.name, p.err, p.out.String())
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer on %s: %w; its output:\n%s", p.name, url, ctx.Err(), p.out.String())
		case <-tick.C:
		}
	}
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
