package localcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// EndpointVars are the AWS_ENDPOINT_URL_* variables the functions and the
// local tools read, one per AWS service the stack uses (the SDK's service
// id, upper case, spaces as underscores). The README lists them.
var EndpointVars = []string{
	EnvDynamoDBEndpoint,                // DynamoDB: the table
	EnvSESEndpoint,                     // SES v2 (not AWS_ENDPOINT_URL_SES: that is SES v1, unused)
	EnvSNSEndpoint,                     // SNS: SMS
	EnvS3Endpoint,                      // S3: the avatar bucket
	"AWS_ENDPOINT_URL_SQS",             // SQS: the daily-summary queue
	"AWS_ENDPOINT_URL_SECRETS_MANAGER", // Secrets Manager: the data key
	EnvEventBridgeEndpoint,             // EventBridge: PutEvents
}

// hints name the variable meant by a common wrong one.
var hints = map[string]string{
	"AWS_ENDPOINT_URL_SES":            EnvSESEndpoint + " (the functions use SES v2)",
	"AWS_ENDPOINT_URL_EVENTS":         EnvEventBridgeEndpoint,
	"AWS_ENDPOINT_URL_SECRETSMANAGER": "AWS_ENDPOINT_URL_SECRETS_MANAGER",
	"AWS_ENDPOINT_URL_DYNAMO":         EnvDynamoDBEndpoint,
}

// CheckEndpointVars reports any AWS_ENDPOINT_URL_* variable in environ
// ("KEY=VALUE" lines) that no part of the stack reads: such a setting would
// be silently ignored (AWS_ENDPOINT_URL_SES, say, leaves the mail going to
// another SES endpoint). AWS_ENDPOINT_URL alone (every service) is allowed.
func CheckEndpointVars(environ []string) error {
	var unknown []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "AWS_ENDPOINT_URL_") || slices.Contains(EndpointVars, k) {
			continue
		}
		msg := k
		if h, ok := hints[k]; ok {
			msg += " (did you mean " + h + "?)"
		}
		unknown = append(unknown, msg)
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return fmt.Errorf("unknown endpoint variable(s) %s: no part of the stack reads them; the names read are %s",
		strings.Join(unknown, ", "), strings.Join(EndpointVars, ", "))
}

// Stack describes a running `make run` for the tools that work against it
// (`make event`, `make seed`, `make invoke`): it writes StackFile on start
// and removes it on exit.
type Stack struct {
	API         string `json:"api"`
	DynamoDB    string `json:"dynamodb"`
	SES         string `json:"ses"`
	SNS         string `json:"sns"`
	S3          string `json:"s3,omitempty"`
	EventBridge string `json:"eventbridge"`
	Table       string `json:"table"`
}

// StackFile is where a running stack is described, under the repository root.
const StackFile = ".local/stack.json"

// WriteStack records s in root/StackFile.
func WriteStack(root string, s Stack) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("describe the stack: %w", err)
	}
	p := filepath.Join(root, StackFile)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("describe the stack: %w", err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return fmt.Errorf("describe the stack: %w", err)
	}
	return nil
}

// RemoveStack removes root/StackFile.
func RemoveStack(root string) { _ = os.Remove(filepath.Join(root, StackFile)) }

// RunningStack returns the stack described in root/StackFile when its API
// answers; ok is false when no stack runs.
func RunningStack(ctx context.Context, root string) (s Stack, ok bool) {
	b, err := os.ReadFile(filepath.Join(root, StackFile))
	if err != nil || json.Unmarshal(b, &s) != nil || s.API == "" {
		return Stack{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.API+"/v1/me", nil)
	if err != nil {
		return Stack{}, false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Stack{}, false
	}
	resp.Body.Close()
	return s, true
}

// Setenv points this process's AWS SDK at the stack's services (and
// TABLE_NAME at its table).
func (s Stack) Setenv() error {
	e := &Env{DynamoDB: s.DynamoDB, SES: s.SES, SNS: s.SNS, S3: s.S3, EventBridge: s.EventBridge}
	if err := e.Setenv(); err != nil {
		return err
	}
	if err := os.Setenv("TABLE_NAME", s.Table); err != nil {
		return fmt.Errorf("set TABLE_NAME: %w", err)
	}
	return nil
}
