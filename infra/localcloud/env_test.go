package localcloud_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/example/myprofile/infra/localcloud"
)

func TestEnvOptionsFromEnv(t *testing.T) {
	type ports struct{ ddb, ses, sns int }
	tests := []struct {
		name      string
		env       map[string]string
		free      bool
		want      ports
		wantError bool
	}{
		{"defaults", nil, false, ports{8000, 8005, 8006}, false},
		{"overridden", map[string]string{"DYNAMODB_PORT": "9000", "SNS_PORT": "9006"}, false, ports{9000, 8005, 9006}, false},
		{"free ports ignore the variables", map[string]string{"DYNAMODB_PORT": "9000"}, true, ports{}, false},
		{"bad port is refused", map[string]string{"SES_PORT": "80x"}, false, ports{}, true},
		{"out of range port is refused", map[string]string{"SES_PORT": "70000"}, false, ports{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := localcloud.EnvOptionsFromEnv(func(k string) string { return tt.env[k] }, tt.free)
			if (err != nil) != tt.wantError {
				t.Fatalf("error: got %v, want error %v", err, tt.wantError)
			}
			if err != nil {
				return
			}
			if g := (ports{got.DynamoDBPort, got.SESPort, got.SNSPort}); g != tt.want {
				t.Errorf("got %+v, want %+v", g, tt.want)
			}
		})
	}
}

func TestEnvironPointsAtTheEnvOnly(t *testing.T) {
	env := &localcloud.Env{DynamoDB: "http://127.0.0.1:1", SES: "http://127.0.0.1:2", SNS: "http://127.0.0.1:3"}
	got := env.Environ([]string{
		"PATH=/bin", "AWS_PROFILE=prod", "AWS_SESSION_TOKEN=secret",
		"AWS_ACCESS_KEY_ID=AKIAREAL", "AWS_ENDPOINT_URL_DYNAMODB=http://elsewhere",
	})
	want := []string{
		"PATH=/bin",
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
		"AWS_REGION=us-east-1",
		"AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:1",
		"AWS_ENDPOINT_URL_SESV2=http://127.0.0.1:2",
		"AWS_ENDPOINT_URL_SNS=http://127.0.0.1:3",
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing %s in %v", w, got)
		}
	}
	for _, kv := range got {
		for _, bad := range []string{"AWS_PROFILE=", "AWS_SESSION_TOKEN=", "AWS_ACCESS_KEY_ID=AKIAREAL", "=http://elsewhere"} {
			if strings.Contains(kv, bad) {
				t.Errorf("kept %s", kv)
			}
		}
	}
}

func TestCheckEndpointVars(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    string // "" : accepted
	}{
		{"known names", []string{"AWS_ENDPOINT_URL_DYNAMODB=x", "AWS_ENDPOINT_URL_SESV2=x", "AWS_ENDPOINT_URL_EVENTBRIDGE=x", "AWS_ENDPOINT_URL=x", "PATH=/bin"}, ""},
		{"SES v1 is refused with the right name", []string{"AWS_ENDPOINT_URL_SES=x"}, "AWS_ENDPOINT_URL_SES (did you mean AWS_ENDPOINT_URL_SESV2"},
		{"unknown service", []string{"AWS_ENDPOINT_URL_KINESIS=x"}, "AWS_ENDPOINT_URL_KINESIS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := localcloud.CheckEndpointVars(tt.environ)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}
