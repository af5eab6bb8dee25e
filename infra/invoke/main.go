// Command invoke runs one function's Lambda handler on a sample event and
// prints the response, against whatever the AWS_ENDPOINT_URL_* variables
// point at (`make invoke` runs it under infra/devenv):
//
//	go run ./infra/invoke -fn profile -event events/get-me.json
//
// Which services: those the AWS_ENDPOINT_URL_* variables name when set;
// else the stack `make run` runs (.local/stack.json), its table and data;
// else fresh empty services it starts and stops. It says which it used.
// It creates the table TABLE_NAME (default myprofile-local) when missing.
// An event that needs an account (a sign-in, or one whose Authorization is
// "Bearer {{session.token}}") first signs up the sample user of
// events/apigw-signup.json (-signup) through the auth function, or signs it
// in when it exists (apigw-login.json next to it), and gets that session's
// token in place of the placeholder.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/sample"
	"github.com/example/myprofile/shared/app/all"
	"github.com/example/myprofile/shared/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "invoke:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fn := fs.String("fn", "", "function name (a folder under functions/)")
	event := fs.String("event", "", "JSON event file; - reads standard input")
	signup := fs.String("signup", "events/apigw-signup.json", "sign-up event run first when the event needs an account")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *fn == "" || *event == "" {
		return errors.New("usage: invoke -fn NAME -event FILE.json")
	}
	payload, err := readEvent(*event)
	if err != nil {
		return err
	}

	stop, err := services(ctx)
	if err != nil {
		return err
	}
	defer stop()
	if os.Getenv("TABLE_NAME") == "" {
		if err := os.Setenv("TABLE_NAME", "myprofile-local"); err != nil {
			return fmt.Errorf("set TABLE_NAME: %w", err)
		}
	}
	awsCfg, err := localcloud.AWSConfig(ctx)
	if err != nil {
		return err
	}
	if err := store.CreateTable(ctx, dynamodb.NewFromConfig(awsCfg), os.Getenv("TABLE_NAME")); err != nil {
		return err
	}
	deps, err := all.Load(ctx)
	if err != nil {
		return fmt.Errorf("build the app: %w", err)
	}
	if needsAccount(payload) {
		res, err := signUpSample(ctx, deps, *signup)
		if err != nil {
			return err
		}
		if payload, err = sample.Fill(payload, res, time.Now()); err != nil {
			return fmt.Errorf("event %s: %w", *event, err)
		}
	}
	h, err := deps.Lambda(*fn)
	if err != nil {
		return err
	}
	resp, err := h.Invoke(ctx, payload)
	if err != nil {
		return fmt.Errorf("function %s: %w", *fn, err)
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, resp, "", "  ") == nil {
		resp = pretty.Bytes()
	}
	if _, err := fmt.Fprintf(out, "%s\n", resp); err != nil {
		return fmt.Errorf("write response: %w", err)
	}
	return nil
}

func readEvent(path string) ([]byte, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(os.Stdin)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read event: %w", err)
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("event %s is not valid JSON", path)
	}
	return b, nil
}

// needsAccount reports an event that only succeeds with an account: a
// sign-in, or one carrying a placeholder (the token, the user's or
// organization's id: see sample.Fill).
func needsAccount(payload []byte) bool {
	var ev struct {
		RouteKey string `json:"routeKey"`
	}
	_ = json.Unmarshal(payload, &ev)
	return ev.RouteKey == "POST /v1/auth/login" || bytes.Contains(payload, []byte("{{"))
}

// signUpSample runs the sign-up event through the auth function and returns
// the sample user with the new session's token.
func signUpSample(ctx context.Context, deps *all.Deps, path string) (sample.Result, error) {
	ev, err := readEvent(path)
	if err != nil {
		return sample.Result{}, err
	}
	h, err := deps.Lambda("auth")
	if err != nil {
		return sample.Result{}, err
	}
	raw, err := h.Invoke(ctx, ev)
	if err != nil {
		return sample.Result{}, fmt.Errorf("sign up the sample user: %w", err)
	}
	if statusOf(raw) == 409 { // it exists (a running stack): sign in instead
		login := filepath.Join(filepath.Dir(path), "apigw-login.json")
		if ev, err = readEvent(login); err != nil {
			return sample.Result{}, err
		}
		if raw, err = h.Invoke(ctx, ev); err != nil {
			return sample.Result{}, fmt.Errorf("sign in the sample user: %w", err)
		}
		path = login
	}
	var resp struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		return sample.Result{}, fmt.Errorf("sign up the sample user: %w", err)
	}
	var body struct {
		User struct {
			ID             string `json:"id"`
			OrganizationID string `json:"organizationId"`
		} `json:"user"`
		Session struct {
			Token string `json:"token"`
		} `json:"session"`
	}
	if resp.StatusCode/100 != 2 || json.Unmarshal([]byte(resp.Body), &body) != nil || body.Session.Token == "" {
		return sample.Result{}, fmt.Errorf("sign up the sample user with %s: status %d: %s", path, resp.StatusCode, resp.Body)
	}
	fmt.Fprintf(os.Stderr, "invoke: signed in the sample user with %s first\n", path)
	if body.User.ID == "" { // a sign-in answers the session only
		gw, err := deps.Gateway()
		if err != nil {
			return sample.Result{}, err
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+body.Session.Token)
		gw.ServeHTTP(rec, req)
		if err := json.Unmarshal(rec.Body.Bytes(), &body.User); rec.Code != http.StatusOK || err != nil {
			return sample.Result{}, fmt.Errorf("GET /v1/me as the sample user: %d %s", rec.Code, rec.Body)
		}
	}
	return sample.Result{OrganizationID: body.User.OrganizationID,
		Members: []sample.Member{{Role: "user", ID: body.User.ID, Token: body.Session.Token}}}, nil
}

func statusOf(raw []byte) int {
	var resp struct {
		StatusCode int `json:"statusCode"`
	}
	_ = json.Unmarshal(raw, &resp)
	return resp.StatusCode
}

// services points the SDK at the services to use and says which; stop
// stops what it started.
func services(ctx context.Context) (stop func(), err error) {
	if err := localcloud.CheckEndpointVars(os.Environ()); err != nil {
		return nil, err
	}
	if ep := os.Getenv(localcloud.EnvDynamoDBEndpoint); ep != "" {
		fmt.Fprintf(os.Stderr, "invoke: using the services AWS_ENDPOINT_URL_* name (DynamoDB %s)\n", ep)
		return func() {}, nil
	}
	root, err := localcloud.RepoRoot()
	if err != nil {
		return nil, err
	}
	if s, ok := localcloud.RunningStack(ctx, root); ok {
		if err := s.Setenv(); err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "invoke: using the running stack (make run): DynamoDB %s table %s, mail %s, SMS %s/, EventBridge %s\n",
			s.DynamoDB, s.Table, s.SES, s.SNS, s.EventBridge)
		return func() {}, nil
	}
	opts, err := localcloud.EnvOptionsFromEnv(os.Getenv, true)
	if err != nil {
		return nil, err
	}
	opts.DynamoDBDataDir = ""
	env, err := localcloud.StartEnv(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := env.Setenv(); err != nil {
		env.Stop()
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "invoke: no running stack (make run); started empty services, stopped at exit: DynamoDB %s, mail %s, SMS %s/\n",
		env.DynamoDB, env.SES, env.SNS)
	return env.Stop, nil
}
