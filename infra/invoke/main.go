// Command invoke runs one function's Lambda handler on a sample event and
// prints the response, against whatever the AWS_ENDPOINT_URL_* variables
// point at (`make invoke` runs it under infra/devenv):
//
//	go run ./infra/invoke -fn profile -event events/get-me.json
//
// It creates the table TABLE_NAME (default myprofile-local) first. The
// services `make invoke` starts are empty, so an event that needs an account
// (a sign-in, or one whose Authorization is "Bearer {{session.token}}") first
// signs up the sample user of events/apigw-signup.json (-signup) through the
// auth function and gets that session's token in place of the placeholder.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/myprofile/infra/localcloud"
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

// needsAccount reports an API Gateway event that only succeeds with an
// account: a sign-in, or one carrying the token placeholder.
func needsAccount(payload []byte) bool {
	var ev struct {
		RouteKey string `json:"routeKey"`
	}
	_ = json.Unmarshal(payload, &ev)
	return ev.RouteKey == "POST /v1/auth/login" || bytes.Contains(payload, []byte(tokenPlaceholder))
}

// signUpSample runs the sign-up event through the auth function and returns
// the new session's token.
func signUpSample(ctx context.Context, deps *all.Deps, path string) (string, error) {
	ev, err := readEvent(path)
	if err != nil {
		return "", err
	}
	h, err := deps.Lambda("auth")
	if err != nil {
		return "", err
	}
	raw, err := h.Invoke(ctx, ev)
	if err != nil {
		return "", fmt.Errorf("sign up the sample user: %w", err)
	}
	var resp struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		return "", fmt.Errorf("sign up the sample user: %w", err)
	}
	var body struct {
		Session struct {
			Token string `json:"token"`
		} `json:"session"`
	}
	if resp.StatusCode != 201 || json.Unmarshal([]byte(resp.Body), &body) != nil || body.Session.Token == "" {
		return "", fmt.Errorf("sign up the sample user with %s: status %d: %s", path, resp.StatusCode, resp.Body)
	}
	fmt.Fprintf(os.Stderr, "invoke: signed up the sample user of %s first\n", path)
	return body.Session.Token, nil
}
