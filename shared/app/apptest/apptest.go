// Package apptest runs the whole API for end-to-end tests: every HTTP
// function of the catalog mounted together (app.Gateway, as the local
// gateway does) on an httptest server bound to 127.0.0.1, against DynamoDB
// Local, the SES emulator and an SNS recorder through the real SDK.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/all"
	"github.com/example/myprofile/shared/app/mailwire"
	"github.com/example/myprofile/shared/app/smswire"
	"github.com/example/myprofile/shared/config"
	"github.com/example/myprofile/shared/password"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/store"
)

// Clock is a settable clock for expiry and schedule tests.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set sets the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Env is one running API.
type Env struct {
	T           testing.TB
	Deps        *all.Deps
	Server      *httptest.Server
	Clock       *Clock
	SESEndpoint string
	SNSEndpoint string
	Table       string
	// validator checks every response against api/openapi.yaml.
	validator *validator
	// archived are the mails SignUp read (the sign-up codes): Emails
	// leaves them out, so tests count only the mails their steps caused.
	archived *archive
}

// archive is the set of mails (by message id) Emails leaves out.
type archive struct {
	mu  sync.Mutex
	ids map[string]bool
}

// Options change the environment (nil: defaults).
type Options struct {
	// Env overrides configuration variables (as the Lambda environment would).
	Env map[string]string
	// Start is the clock's starting time (default: now).
	Start time.Time
	// Configure changes the dependencies before the API is built (e.g. an
	// S3 client for the avatar routes).
	Configure func(*app.Deps)
	// WrapDB wraps the DynamoDB client (e.g. to count round trips).
	WrapDB func(store.DB) store.DB
}

// New starts the API for one test, on a fresh table.
func New(t testing.TB, opts *Options) *Env {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	db, table := testenv.DynamoDB(t)
	sesClient, sesEndpoint := testenv.SES(t)
	snsClient, snsEndpoint := testenv.SNS(t)
	vars := map[string]string{"TABLE_NAME": table, "SENDER_EMAIL": "no-reply@example.com", "STAGE": "test"}
	for k, v := range opts.Env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	start := opts.Start
	if start.IsZero() {
		start = time.Now().UTC()
	}
	clock := &Clock{now: start}
	var logOut io.Writer = io.Discard
	if os.Getenv("TEST_LOG") != "" {
		logOut = os.Stderr
	}
	var ddb store.DB = db
	if opts.WrapDB != nil {
		ddb = opts.WrapDB(ddb)
	}
	deps := &all.Deps{Deps: &app.Deps{
		Config: cfg,
		Log:    slog.New(request.NewLogHandler(slog.NewJSONHandler(logOut, nil))),
		Now:    clock.Now,
		DB:     ddb,
		// Production cost is m=19 MiB, t=2; tests keep the algorithm but
		// lower the memory so hundreds of hashes stay fast.
		Hasher: password.NewHasher(password.Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}),
	}}
	// Each function checks its DynamoDB calls against its catalog grants
	// and records the grants it used (see grants.go).
	deps.Check = checkGrants(t)
	deps.SetClient(mailwire.SES, sesClient)
	deps.SetClient(smswire.SNS, snsClient)
	if opts.Configure != nil {
		opts.Configure(deps.Deps)
	}
	gw, err := deps.Gateway()
	if err != nil {
		t.Fatalf("gateway: %v", err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	v, err := newValidator()
	if err != nil {
		t.Fatalf("openapi: %v", err)
	}
	return &Env{T: t, Deps: deps, Server: srv, Clock: clock, SESEndpoint: sesEndpoint, SNSEndpoint: snsEndpoint, Table: table, validator: v, archived: &archive{ids: map[string]bool{}}}
}

// Response is a decoded answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r *Response) JSON() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

// Decode decodes the body into v.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Code returns the problem code of an error body.
func (r *Response) Code() string {
	c, _ := r.JSON()["code"].(string)
	return c
}

// Req is one request.
type Req struct {
	Method  string
	Path    string
	Token   string
	Body    any // marshalled as JSON unless []byte or string
	Header  map[string]string
	NoCType bool // send no Content-Type
}

// For returns e bound to t: a subtest calls it first (e := e.For(t)) so
// that the helpers fail the subtest that runs, not its parent.
func (e *Env) For(t testing.TB) *Env {
	c := *e
	c.T = t
	return &c
}

// InGoroutine returns e for a goroutine the test starts: a helper that
// would stop the test (Fatal, FailNow) reports the error to the test
// (Error, safe from any goroutine) and ends only that goroutine, whose
// deferred calls (wg.Done) still run. FailNow from a goroutine other than
// the test's is not allowed.
func (e *Env) InGoroutine() *Env {
	c := *e
	c.T = goroutineT{e.T}
	return &c
}

// goroutineT reports failures of a goroutine back to its test.
type goroutineT struct{ testing.TB }

func (g goroutineT) FailNow() { g.TB.Fail(); runtime.Goexit() }

func (g goroutineT) Fatal(args ...any) { g.TB.Helper(); g.TB.Error(args...); runtime.Goexit() }

func (g goroutineT) Fatalf(format string, args ...any) {
	g.TB.Helper()
	g.TB.Errorf(format, args...)
	runtime.Goexit()
}

func (g goroutineT) SkipNow() { g.TB.Error("skip called from a goroutine"); runtime.Goexit() }

func (g goroutineT) Skip(args ...any) { g.SkipNow() }

func (g goroutineT) Skipf(string, ...any) { g.SkipNow() }

// Do sends a request and reads the answer; it fails the test when the
// request cannot be sent or the answer breaks api/openapi.yaml. From a
// goroutine other than the test's, use InGoroutine or Send.
func (e *Env) Do(r Req) *Response {
	e.T.Helper()
	res, err := e.Send(r)
	if err != nil {
		if res == nil {
			e.T.Fatal(err)
		}
		e.T.Error(err)
	}
	return res
}

// Send sends a request and reads the answer without failing the test, so
// goroutines can use it and report the error back. The response is nil
// when the request could not be made; with a response, the error says it
// breaks api/openapi.yaml.
func (e *Env) Send(r Req) (*Response, error) {
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("marshal body: %w", err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(context.Background(), r.Method, e.Server.URL+r.Path, body)
	if err != nil {
		return nil, fmt.Errorf("new request: %w", err)
	}
	if body != nil && !r.NoCType {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	res, err := e.Server.Client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.Method, r.Path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", r.Method, r.Path, err)
	}
	out := &Response{Status: res.StatusCode, Header: res.Header, Body: raw}
	if err := e.validator.check(req, res.StatusCode, res.Header, raw); err != nil {
		return out, fmt.Errorf("%s %s: response does not match api/openapi.yaml: %w", r.Method, r.Path, err)
	}
	return out, nil
}

// Must sends a request and fails the test unless the status is want.
func (e *Env) Must(want int, r Req) *Response {
	e.T.Helper()
	res := e.Do(r)
	if res.Status != want {
		e.T.Fatalf("%s %s: status %d, want %d; body %s", r.Method, r.Path, res.Status, want, res.Body)
	}
	return res
}

// DefaultPassword passes the password policy.
const DefaultPassword = "Correct-Horse-42-battery"

// User is a signed-up test user.
type User struct {
	ID       string
	Email    string
	Password string
	Token    string
	OrgID    string
}

// SignUp creates a user with a unique email and returns it signed in, as
// a person does: POST /v1/auth/signup, the code read from the mail in the
// SES emulator, POST /v1/auth/signup/confirm. The code's mail is then
// archived: Emails no longer lists it.
func (e *Env) SignUp(extra map[string]any) User {
	e.T.Helper()
	email := testenv.Email(e.T)
	body := map[string]any{"email": email, "password": DefaultPassword, "firstName": "Ada", "lastName": "Lovelace"}
	for k, v := range extra {
		body[k] = v
	}
	e.Must(http.StatusAccepted, Req{Method: "POST", Path: "/v1/auth/signup", Body: body})
	addr, _ := body["email"].(string)
	mail, code := e.lastCode(addr)
	res := e.Must(http.StatusCreated, Req{Method: "POST", Path: "/v1/auth/signup/confirm",
		Body: map[string]any{"email": addr, "code": code}})
	e.archived.mu.Lock()
	e.archived.ids[mail.MessageID] = true
	e.archived.mu.Unlock()
	var out struct {
		User struct {
			ID             string `json:"id"`
			Email          string `json:"email"`
			OrganizationID string `json:"organizationId"`
		} `json:"user"`
		Session struct {
			Token string `json:"token"`
		} `json:"session"`
	}
	res.Decode(e.T, &out)
	pw, _ := body["password"].(string)
	return User{ID: out.User.ID, Email: out.User.Email, Password: pw, Token: out.Session.Token, OrgID: out.User.OrganizationID}
}

// sixDigits finds a one-time code in a mail's text.
var sixDigits = regexp.MustCompile(`(?m)^\s*(\d{6})\s*$`)

// LastCode returns the 6-digit code of the newest mail to an address that
// carries one (sign-up, password reset, email change), failing the test
// if there is none.
func (e *Env) LastCode(to string) string {
	e.T.Helper()
	_, code := e.lastCode(to)
	return code
}

func (e *Env) lastCode(to string) (localcloud.Email, string) {
	e.T.Helper()
	mails := e.Emails(to)
	for i := len(mails) - 1; i >= 0; i-- {
		if m := sixDigits.FindStringSubmatch(mails[i].Text); m != nil {
			return mails[i], m[1]
		}
	}
	e.T.Fatalf("no mail with a code to %s (%d mails)", to, len(mails))
	return localcloud.Email{}, ""
}

// Login signs in and returns the session token.
func (e *Env) Login(email, pw string) string {
	e.T.Helper()
	res := e.Must(http.StatusOK, Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": email, "password": pw}})
	var out struct {
		Session struct {
			Token string `json:"token"`
		} `json:"session"`
	}
	res.Decode(e.T, &out)
	if out.Session.Token == "" {
		e.T.Fatalf("login: no session in %s", res.Body)
	}
	return out.Session.Token
}

// Emails returns the emails the SES emulator holds for one recipient, oldest
// first, but for the sign-up codes SignUp read.
func (e *Env) Emails(to string) []localcloud.Email {
	e.T.Helper()
	all, err := localcloud.SESMessages(context.Background(), e.SESEndpoint)
	if err != nil {
		e.T.Fatalf("read SES store: %v", err)
	}
	e.archived.mu.Lock()
	defer e.archived.mu.Unlock()
	var out []localcloud.Email
	for _, m := range all {
		if e.archived.ids[m.MessageID] {
			continue
		}
		for _, r := range m.To {
			if strings.EqualFold(r, to) {
				out = append(out, m)
			}
		}
	}
	return out
}

// SMS returns the SMS the recorder holds for one number, oldest first.
func (e *Env) SMS(phone string) []localcloud.SMS {
	e.T.Helper()
	all, err := localcloud.SMSMessages(context.Background(), e.SNSEndpoint)
	if err != nil {
		e.T.Fatalf("read SMS store: %v", err)
	}
	var out []localcloud.SMS
	for _, m := range all {
		if m.PhoneNumber == phone {
			out = append(out, m)
		}
	}
	return out
}
