package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/example/myprofile/infra/localcloud/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The sample events work on the empty services `make invoke` starts: an
// event that needs an account gets the sample user signed up first.
func TestSampleEventsNeedNoSetUp(t *testing.T) {
	testenv.DynamoDB(t) // the endpoints, started if not given
	testenv.SES(t)
	testenv.SNS(t)
	for k, v := range map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "STAGE": "test"} {
		t.Setenv(k, v)
	}
	for _, tc := range []struct {
		fn, event string
		want      int
	}{
		{"profile", "apigw-get-me.json", 200},
		{"auth", "apigw-login.json", 200},
		{"auth", "apigw-passkey-begin.json", 200},
		// A recorded assertion whose ceremony is gone: refused, as any
		// replay is.
		{"auth", "apigw-passkey-finish.json", 401},
		{"auth", "apigw-password-forgot.json", 202},
		{"auth", "apigw-password-reset.json", 204},
	} {
		t.Run(tc.event, func(t *testing.T) {
			t.Setenv("TABLE_NAME", "invoke-"+testenv.RandomID(t)) // empty, as under make invoke
			var out bytes.Buffer
			err := run(t.Context(), []string{"-fn", tc.fn, "-event", "../../events/" + tc.event, "-signup", "../../events/apigw-signup.json"}, &out)
			if err != nil {
				t.Fatal(err)
			}
			var resp struct {
				StatusCode int    `json:"statusCode"`
				Body       string `json:"body"`
			}
			if err := json.Unmarshal(out.Bytes(), &resp); err != nil {
				t.Fatalf("%s: %v", out.String(), err)
			}
			if resp.StatusCode != tc.want || !strings.Contains(resp.Body, "sample.user@example.com") && tc.fn == "profile" {
				t.Errorf("%d %s", resp.StatusCode, resp.Body)
			}
		})
	}
}

// An event sample's placeholders name the sample user's organization.
func TestEventSamplePlaceholdersAreFilled(t *testing.T) {
	testenv.DynamoDB(t)
	testenv.SES(t)
	testenv.SNS(t)
	for k, v := range map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "STAGE": "test",
		"TABLE_NAME": "invoke-" + testenv.RandomID(t)} {
		t.Setenv(k, v)
	}
	for _, ev := range []string{"balance-changed.json", "activity-scheduled.json"} {
		fn := map[string]string{"balance-changed.json": "balances", "activity-scheduled.json": "activities"}[ev]
		var out bytes.Buffer
		if err := run(t.Context(), []string{"-fn", fn, "-event", "../../events/" + ev, "-signup", "../../events/apigw-signup.json"}, &out); err != nil {
			t.Fatalf("%s: %v", ev, err)
		}
	}
}
