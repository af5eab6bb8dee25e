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
// When the sample user exists (a running stack), it signs in instead
// (apigw-login.json beside the sign-up event). Placeholders of the user's
// and organization's ids and the time are filled too (sample.Fill).
// An event that needs an account
// (a sign-in, or one whose Authorization is "Bearer {{session.token}}") first
// signs up the sample user of events/apigw-signup.json (-signup) through the
// auth function, as a person does (the code read from the SES emulator,
// then events/apigw-signup-confirm.json), and gets that session's token in
// place of the placeholder. A password reset event's {{reset.code}} is the
// code mailed after events/apigw-password-forgot.json.
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
	"regexp"
	"strings"
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
		token, err := signUpSample(ctx, deps, *signup)
		if err != nil {
			return err
		}
		payload = bytes.ReplaceAll(payload, []byte(tokenPlaceholder), []byte(token))
		if bytes.Contains(payload, []byte("{{")) && !bytes.Contains(payload, []byte(resetCodePlaceholder)) {
			if payload, err = fillSample(ctx, deps, payload, token); err != nil {
				return fmt.Errorf("event %s: %w", *event, err)
			}
		}
		if bytes.Contains(payload, []byte(resetCodePlaceholder)) {
			code, err := resetCode(ctx, deps, *signup)
			if err != nil {
				return err
			}
			payload = bytes.ReplaceAll(payload, []byte(resetCodePlaceholder), []byte(code))
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

// tokenPlaceholder in an event stands for the sample user's session token.
const tokenPlaceholder = "{{session.token}}"

// needsAccount reports an API Gateway event that only succeeds (or only
// shows something) with an account: a sign-in, a password reset request,
// or one carrying the token or reset code placeholder.
func needsAccount(payload []byte) bool {
	var ev struct {
		RouteKey string `json:"routeKey"`
	}
	_ = json.Unmarshal(payload, &ev)
	return ev.RouteKey == "POST /v1/auth/login" || ev.RouteKey == "POST /v1/auth/password/forgot" ||
		bytes.Contains(payload, []byte("{{"))
}

// signUpSample signs up the sample user as a person does: the sign-up
// event, the code from the mail in the SES emulator, then the confirmation
// event (apigw-signup-confirm.json beside the sign-up event, its
// {{signup.code}} replaced). It returns the new session's token.
func signUpSample(ctx context.Context, deps *all.Deps, path string) (string, error) {
	ev, err := readEvent(path)
	if err != nil {
		return "", err
	}
	email, err := eventEmail(ev)
	if err != nil {
		return "", fmt.Errorf("sign-up event %s: %w", path, err)
	}
	// An account already there (the running stack's): sign in.
	if login, err := readEvent(filepath.Join(filepath.Dir(path), "apigw-login.json")); err == nil {
		if body, err := invokeAuth(ctx, deps, login, 200); err == nil {
			var out struct {
				Session struct {
					Token string `json:"token"`
				} `json:"session"`
			}
			if json.Unmarshal(body, &out) == nil && out.Session.Token != "" {
				fmt.Fprintln(os.Stderr, "invoke: signed in the sample user (it exists)")
				return out.Session.Token, nil
			}
		}
	}
	if _, err := invokeAuth(ctx, deps, ev, 202); err != nil {
		return "", fmt.Errorf("sign up the sample user with %s: %w", path, err)
	}
	code, err := mailedCode(ctx, email)
	if err != nil {
		return "", err
	}
	confirmPath := filepath.Join(filepath.Dir(path), "apigw-signup-confirm.json")
	confirm, err := readEvent(confirmPath)
	if err != nil {
		return "", err
	}
	body, err := invokeAuth(ctx, deps, bytes.ReplaceAll(confirm, []byte(signupCodePlaceholder), []byte(code)), 201)
	if err != nil {
		return "", fmt.Errorf("confirm the sample user's sign-up with %s: %w", confirmPath, err)
	}
	var out struct {
		Session struct {
			Token string `json:"token"`
		} `json:"session"`
	}
	if json.Unmarshal(body, &out) != nil || out.Session.Token == "" {
		return "", fmt.Errorf("confirm the sample user's sign-up: no session in %s", body)
	}
	fmt.Fprintf(os.Stderr, "invoke: signed up the sample user of %s first (code read from the SES emulator)\n", path)
	return out.Session.Token, nil
}

// resetCode asks for a password reset of the sample user with
// apigw-password-forgot.json (beside the sign-up event) and returns the
// code mailed.
func resetCode(ctx context.Context, deps *all.Deps, signupPath string) (string, error) {
	path := filepath.Join(filepath.Dir(signupPath), "apigw-password-forgot.json")
	ev, err := readEvent(path)
	if err != nil {
		return "", err
	}
	email, err := eventEmail(ev)
	if err != nil {
		return "", fmt.Errorf("event %s: %w", path, err)
	}
	if _, err := invokeAuth(ctx, deps, ev, 202); err != nil {
		return "", fmt.Errorf("ask for a reset code with %s: %w", path, err)
	}
	return mailedCode(ctx, email)
}

// Placeholders in sample events for the codes read from the SES emulator.
const (
	signupCodePlaceholder = "{{signup.code}}"
	resetCodePlaceholder  = "{{reset.code}}"
)

// invokeAuth runs an API Gateway event through the auth function and
// returns the body if the status is want.
func invokeAuth(ctx context.Context, deps *all.Deps, ev []byte, want int) ([]byte, error) {
	h, err := deps.Lambda("auth")
	if err != nil {
		return nil, err
	}
	raw, err := h.Invoke(ctx, ev)
	if err != nil {
		return nil, err
	}
	var resp struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("status %d, want %d: %s", resp.StatusCode, want, resp.Body)
	}
	return []byte(resp.Body), nil
}

// eventEmail is the email in an API Gateway event's JSON body.
func eventEmail(ev []byte) (string, error) {
	var outer struct {
		Body string `json:"body"`
	}
	var body struct {
		Email string `json:"email"`
	}
	if json.Unmarshal(ev, &outer) != nil || json.Unmarshal([]byte(outer.Body), &body) != nil || body.Email == "" {
		return "", errors.New("no email in the body")
	}
	return strings.ToLower(strings.TrimSpace(body.Email)), nil
}

var codeLine = regexp.MustCompile(`(?m)^\s*(\d{6})\s*$`)

// mailedCode reads the 6-digit code of the newest mail to email from the
// SES emulator (AWS_ENDPOINT_URL_SESV2), as a person reads their inbox.
func mailedCode(ctx context.Context, email string) (string, error) {
	endpoint := os.Getenv("AWS_ENDPOINT_URL_SESV2")
	if endpoint == "" {
		return "", errors.New("AWS_ENDPOINT_URL_SESV2 is not set: the code is read from the SES emulator's store")
	}
	mails, err := localcloud.SESMessages(ctx, endpoint)
	if err != nil {
		return "", fmt.Errorf("read the SES emulator: %w", err)
	}
	for i := len(mails) - 1; i >= 0; i-- {
		for _, to := range mails[i].To {
			if strings.EqualFold(to, email) {
				if m := codeLine.FindStringSubmatch(mails[i].Text); m != nil {
					return m[1], nil
				}
			}
		}
	}
	return "", fmt.Errorf("no mail with a code to %s in the SES emulator", email)
}

// fillSample fills the sample user's ids and the time in payload
// (sample.Fill), reading the user through GET /v1/me with token.
func fillSample(ctx context.Context, deps *all.Deps, payload []byte, token string) ([]byte, error) {
	gw, err := deps.Gateway()
	if err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	gw.ServeHTTP(rec, req)
	var me struct {
		ID             string `json:"id"`
		OrganizationID string `json:"organizationId"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &me); rec.Code != http.StatusOK || err != nil {
		return nil, fmt.Errorf("GET /v1/me as the sample user: %d %s", rec.Code, rec.Body)
	}
	return sample.Fill(payload, sample.Result{OrganizationID: me.OrganizationID,
		Members: []sample.Member{{Role: "user", ID: me.ID, Token: token}}}, time.Now())
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
