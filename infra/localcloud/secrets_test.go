package localcloud_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/example/myprofile/infra/localcloud"
)

// The endpoint answers only signed GetSecretValue calls for secrets it holds.
func TestSecretsEndpointRefuses(t *testing.T) {
	e := &localcloud.SecretsEndpoint{}
	e.Put("known", "value")
	const signed = "AWS4-HMAC-SHA256 Credential=AKID/20261124/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=00"
	tests := []struct {
		name, auth, target, body string
		wantStatus               int
		wantType                 string
	}{
		{"unsigned", "", "secretsmanager.GetSecretValue", `{"SecretId":"known"}`, 400, "MissingAuthenticationTokenException"},
		{"another action", signed, "secretsmanager.PutSecretValue", `{"SecretId":"known"}`, 400, "InvalidAction"},
		{"no id", signed, "secretsmanager.GetSecretValue", `{}`, 400, "InvalidParameterException"},
		{"unknown secret", signed, "secretsmanager.GetSecretValue", `{"SecretId":"other"}`, 400, "ResourceNotFoundException"},
		{"known secret", signed, "secretsmanager.GetSecretValue", `{"SecretId":"known"}`, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			req.Header.Set("X-Amz-Target", tc.target)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus || !strings.Contains(rec.Body.String(), tc.wantType) {
				t.Errorf("%d %s, want %d %s", rec.Code, rec.Body, tc.wantStatus, tc.wantType)
			}
			if tc.wantType == "" && !strings.Contains(rec.Body.String(), `"SecretString":"value"`) {
				t.Errorf("body %s lacks the secret", rec.Body)
			}
		})
	}
	if n := e.Reads(); n != 2 {
		t.Errorf("reads = %d, want 2 (the two signed GetSecretValue calls with an id)", n)
	}
}
