package datakey_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/datakey"
)

// client is the real SDK client, configured the way a Lambda is
// (app.LambdaAWSConfig), with the standard endpoint variable.
func client(t *testing.T, e *localcloud.SecretsEndpoint) *secretsmanager.Client {
	t.Helper()
	srv := httptest.NewServer(e) // 127.0.0.1
	t.Cleanup(srv.Close)
	env := map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": srv.URL,
	}
	cfg, err := app.LambdaAWSConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return secretsmanager.NewFromConfig(cfg)
}

func TestSecretIsReadOnceAndKept(t *testing.T) {
	raw := make([]byte, 32)
	for i := range raw {
		raw[i] = byte(i + 1)
	}
	passphrase := "q8ZsR2vN7kLmX4pT9wYbC3dF6gH1jK5nA0eU2iO8rS4tV7xZ1cB3mQ6yW9uE2hJ5"
	stretched := sha256.Sum256([]byte(passphrase))
	tests := []struct {
		name, value string
		want        []byte
	}{
		{"base64 of 32 bytes", base64.StdEncoding.EncodeToString(raw), raw},
		{"the stack's generated passphrase", passphrase, stretched[:]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &localcloud.SecretsEndpoint{}
			e.Put("myprofile/prod/mfa", tc.value)
			s := &datakey.Secret{Client: client(t, e), ID: "myprofile/prod/mfa"}
			for range 3 {
				k, err := s.DataKey(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if string(k) != string(tc.want) {
					t.Fatalf("key = %x, want %x", k, tc.want)
				}
			}
			if n := e.Reads(); n != 1 {
				t.Errorf("%d reads of the secret for three uses, want 1", n)
			}
		})
	}
}

func TestSecretFailuresAreRetriedAndNeverQuoteTheValue(t *testing.T) {
	e := &localcloud.SecretsEndpoint{}
	s := &datakey.Secret{Client: client(t, e), ID: "myprofile/prod/mfa"}
	if _, err := s.DataKey(t.Context()); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("missing secret: err = %v", err)
	}
	const weak = "too-short-to-be-a-key"
	e.Put("myprofile/prod/mfa", weak)
	_, err := s.DataKey(t.Context())
	if err == nil || !strings.Contains(err.Error(), "passphrase of at least 48 characters") {
		t.Fatalf("malformed secret: err = %v", err)
	}
	if strings.Contains(err.Error(), weak) {
		t.Errorf("the error quotes the secret's value: %v", err)
	}
	e.Put("myprofile/prod/mfa", base64.StdEncoding.EncodeToString(make([]byte, 32)))
	if k, err := s.DataKey(t.Context()); err != nil || len(k) != 32 {
		t.Fatalf("after the secret was fixed: %d bytes, %v", len(k), err)
	}
	if n := e.Reads(); n != 3 {
		t.Errorf("%d reads, want 3 (each failure retried by the next use)", n)
	}
}
