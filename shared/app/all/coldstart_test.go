package all_test

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/catalog"
)

// initTargets are issue 21's init-time targets, as a ratio to the
// hello-world Lambda; the functions not listed are reported only.
var initTargets = map[string]float64{
	"profile": 2.0, "auth": 2.0, "twofactor": 2.0, "verification": 2.5,
	"sessions": 1.5, "activities": 1.5, "avatar": 1.5,
}

// floorTags are the build tags of testdata/floor that link the AWS SDK
// clients fn's catalog entry needs (DynamoDB's is always linked).
func floorTags(fn catalog.Function) []string {
	var tags []string
	for _, n := range []struct {
		need bool
		tag  string
	}{
		{fn.Needs.Email, "floor_ses"}, {fn.Needs.SMS, "floor_sns"}, {fn.Needs.Secrets, "floor_secrets"},
		{fn.Needs.Events, "floor_events"}, {fn.Needs.Uploads, "floor_s3"}, {fn.Needs.Queue != "" && fn.Kind != catalog.Queue, "floor_sqs"},
	} {
		if n.need {
			tags = append(tags, n.tag)
		}
	}
	return tags
}

// Every function's binary, built as `make build` builds it, starts as
// Lambda runs it (its main: functions/<name>/main.go) in a Lambda-like
// environment and polls the runtime API for its first invocation, having
// made no AWS call (TestStartingMakesNoNetworkCall checks the same of the
// wiring in this process).
func TestEveryFunctionBinaryStarts(t *testing.T) {
	s := newStarter(t)
	for _, fn := range catalog.All() {
		t.Run(fn.Name, func(t *testing.T) { s.start(t, s.build(t, fn.Name, "./functions/"+fn.Name)) })
	}
	if n := s.refused.Load(); n != 0 {
		t.Errorf("%d AWS calls while the functions started, want 0", n)
	}
}

// BenchmarkColdStart builds every function and a hello-world Lambda
// (testdata/hello) the same way (linux build flags of `make build`:
// CGO_ENABLED=0, -tags lambda.norpc -trimpath -ldflags "-s -w", for this
// machine's architecture) and measures each one's init as Lambda sees it:
// from exec to its first poll of a stub runtime API's /next, with every
// AWS endpoint a local listener that answers 503 (starting makes no
// call: TestStartingMakesNoNetworkCall). The runs go round the functions
// in turn, so load on the machine hits them alike; the figure is each
// function's median over INIT_BENCH_RUNS runs (5; `make bench`: 30) as a
// ratio to the hello-world's median. INIT_BENCH_FUNCS (comma-separated)
// limits the functions. Binary sizes are reported too (no target).
//
// Beside each function with a target runs its floor (testdata/floor built
// with floorTags): hello-world plus exactly the AWS SDK clients the
// function needs and no code of ours. Its ratio is what the SDK's package
// initialisation alone costs that function; the table shows it next to
// the function's.
func BenchmarkColdStart(b *testing.B) {
	runs := 5
	if v, err := strconv.Atoi(os.Getenv("INIT_BENCH_RUNS")); err == nil && v > 0 {
		runs = v
	}
	var names []string
	for _, f := range catalog.All() {
		if only := os.Getenv("INIT_BENCH_FUNCS"); only == "" || slices.Contains(strings.Split(only, ","), f.Name) {
			names = append(names, f.Name)
		}
	}
	st := newStarter(b)
	build := func(name, pkg string, tags ...string) string { return st.build(b, name, pkg, tags...) }
	bins := map[string]string{"hello": build("hello", "./shared/app/all/testdata/hello")}
	floors := map[string]string{} // function -> its floor's name in bins
	for _, n := range names {
		bins[n] = build(n, "./functions/"+n)
		if _, ok := initTargets[n]; !ok {
			continue
		}
		fn, _ := catalog.Lookup(n)
		tags := floorTags(fn)
		floor := "floor[" + strings.Join(append([]string{"dynamodb"}, tags...), ",") + "]"
		floors[n] = floor
		if _, ok := bins[floor]; !ok {
			bins[floor] = build(strings.NewReplacer("[", "-", "]", "", ",", "-").Replace(floor), "./shared/app/all/testdata/floor", tags...)
		}
	}

	order := slices.Sorted(maps.Keys(bins)) // hello, the functions and their floors
	times := map[string][]time.Duration{}
	b.ResetTimer()
	for r := range runs {
		// Rotate the order each round: no function always runs first.
		for i := range order {
			name := order[(i+r)%len(order)]
			times[name] = append(times[name], st.start(b, bins[name]))
		}
	}
	b.StopTimer()
	if n := st.refused.Load(); n != 0 {
		b.Fatalf("%d AWS calls while starting", n)
	}

	hello := median(times["hello"])
	b.Run("hello", func(b *testing.B) {
		b.ReportMetric(float64(hello.Microseconds())/1000, "init-ms")
		b.ReportMetric(size(b, bins["hello"]), "MB")
	})
	for _, n := range names {
		m := median(times[n])
		ratio := float64(m) / float64(hello)
		b.Run(n, func(b *testing.B) {
			b.ReportMetric(float64(m.Microseconds())/1000, "init-ms")
			b.ReportMetric(ratio, "x-hello")
			b.ReportMetric(size(b, bins[n]), "MB")
		})
		value := fmt.Sprintf("%.2fx (%.1f ms; hello %.1f ms; %.1f MB; median of %d)", ratio, float64(m.Microseconds())/1000, float64(hello.Microseconds())/1000, size(b, bins[n]), runs)
		if floor, ok := floors[n]; ok {
			f := float64(median(times[floor])) / float64(hello)
			b.Run(n+"/floor", func(b *testing.B) { b.ReportMetric(f, "x-hello") })
			value = fmt.Sprintf("%.2fx (%.1f ms; its AWS clients alone: %.2fx; hello %.1f ms; %.1f MB; median of %d)", ratio, float64(m.Microseconds())/1000, f, float64(hello.Microseconds())/1000, size(b, bins[n]), runs)
		}
		if t, ok := initTargets[n]; ok {
			apptest.Figure(b, "init, "+n, value, fmt.Sprintf("<= %.2fx", t), ratio <= t)
		} else {
			apptest.Figure(b, "init, "+n, value, "-", true)
		}
	}
}

// starter builds Lambda binaries as `make build` does (linux flags:
// CGO_ENABLED=0, -tags lambda.norpc -trimpath -ldflags "-s -w", for this
// machine's architecture) and starts them in a Lambda-like environment
// whose runtime API is a stub answering no invocation, and every AWS
// endpoint a listener that refuses (and counts) calls.
type starter struct {
	root, dir string
	env       []string
	polled    chan time.Time // each /next poll's time
	refused   atomic.Int64   // calls to the AWS endpoints
}

func newStarter(tb testing.TB) *starter {
	s := &starter{root: moduleRoot(tb), dir: tb.TempDir(), polled: make(chan time.Time, 1)}
	runtime := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/runtime/invocation/next") {
			select {
			case s.polled <- time.Now():
			default:
			}
			<-r.Context().Done() // until the process ends
			return
		}
		http.Error(w, "not expected", http.StatusNotFound)
	}))
	tb.Cleanup(runtime.Close)
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.refused.Add(1)
		http.Error(w, "no call is expected while starting", http.StatusServiceUnavailable)
	}))
	tb.Cleanup(refuse.Close)
	s.env = lambdaEnv(runtime.Listener.Addr(), refuse.URL)
	return s
}

// build builds package pkg with the extra tags to a binary named name.
func (s *starter) build(tb testing.TB, name, pkg string, tags ...string) string {
	tb.Helper()
	out := filepath.Join(s.dir, name)
	cmd := exec.Command("go", "build", "-tags", strings.Join(append([]string{"lambda.norpc"}, tags...), " "), "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
	cmd.Dir, cmd.Env = s.root, append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("build %s: %v\n%s", pkg, err, msg)
	}
	return out
}

// start runs bin once and returns the time from exec to its first /next
// poll; it fails tb when bin exits or does not poll within 30 s.
func (s *starter) start(tb testing.TB, bin string) time.Duration {
	tb.Helper()
	select { // a poll left over from a run that was ended
	case <-s.polled:
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = s.env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	select {
	case at := <-s.polled:
		return at.Sub(start)
	case err := <-exited:
		exited <- err // for the deferred wait
		tb.Fatalf("%s exited before polling the runtime API: %v\n%s", filepath.Base(bin), err, stderr.String())
	case <-ctx.Done():
		tb.Fatalf("%s did not poll the runtime API in 30 s\n%s", filepath.Base(bin), stderr.String())
	}
	return 0
}

// lambdaEnv is a Lambda-like environment (as TestStartingMakesNoNetworkCall
// sets it) whose runtime API is api and every AWS endpoint refuse.
func lambdaEnv(api net.Addr, refuse string) []string {
	env := []string{
		"AWS_LAMBDA_RUNTIME_API=" + api.String(), "PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(),
		"AWS_LAMBDA_FUNCTION_NAME=MyProfile-prod-Fn", "AWS_REGION=eu-west-1",
		"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret", "AWS_SESSION_TOKEN=token",
		"AWS_ENDPOINT_URL=" + refuse,
		"STAGE=prod", "TABLE_NAME=MyProfile-prod", "SENDER_EMAIL=no-reply@example.com",
		"MFA_DATA_KEY_SECRET=myprofile/prod/mfa", "WEBAUTHN_RP_ID=example.com", "WEBAUTHN_ORIGINS=https://app.example.com",
		"UPLOADS_BUCKET=uploads", "AVATAR_BASE_URL=https://cdn.example.com", "QUEUE_URL=" + refuse + "/000000000000/digest",
	}
	for _, id := range serviceIDs {
		env = append(env, endpointVar(id)+"="+refuse)
	}
	return env
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func size(b testing.TB, path string) float64 {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return float64(fi.Size()) / 1e6
}

func moduleRoot(tb testing.TB) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		tb.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}
