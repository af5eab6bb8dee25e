package twofactor_test

import (
	"strings"
	"testing"

	"github.com/example/myprofile/shared/config"
)

// MFA_DATA_KEY: 32 bytes of base64; a derived key only in dev and test;
// MFA_DATA_KEY_SECRET instead names a secret read at first use.
func TestDataKeyConfiguration(t *testing.T) {
	valid := "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="                          // bytes 0..31
	passphrase := "q8ZsR2vN7kLmX4pT9wYbC3dF6gH1jK5nA0eU2iO8rS4tV7xZ1cB3mQ6yW9uE2hJ5" // 64 letters and digits, as the stack generates
	tests := []struct {
		name     string
		stage    string
		key      string
		secret   string
		inLambda bool
		wantLen  int
		wantErr  string
	}{
		{name: "the stack's generated passphrase is stretched to a key", stage: "prod", key: passphrase, wantLen: 32},
		{name: "a deployed dev stage never gets the development key", stage: "dev", key: "", inLambda: true, wantLen: 0},
		{name: "a short passphrase is refused", stage: "prod", key: "short-and-guessable-passphrase", wantErr: "random passphrase of at least 48 characters"},
		{name: "a valid key is used in production", stage: "prod", key: valid, wantLen: 32},
		{name: "no key in production leaves none (the 2FA functions refuse to start)", stage: "prod", key: "", wantLen: 0},
		{name: "no key in test derives a development key", stage: "test", key: "", wantLen: 32},
		{name: "no key in dev derives a development key", stage: "dev", key: "", wantLen: 32},
		{name: "malformed base64 is refused", stage: "prod", key: "not base64!", wantErr: "MFA_DATA_KEY must be standard base64"},
		{name: "a key of the wrong size is refused", stage: "dev", key: "AAECAwQFBgc=", wantErr: "MFA_DATA_KEY must decode to 32 bytes"},
		{name: "a named secret is read at first use, and no development key is derived", stage: "dev", secret: "myprofile/dev/mfa", wantLen: 0},
		{name: "a key and a secret at once are refused", stage: "prod", key: valid, secret: "myprofile/prod/mfa", wantErr: "not both"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"TABLE_NAME": "t", "STAGE": tc.stage, "MFA_DATA_KEY": tc.key, "MFA_DATA_KEY_SECRET": tc.secret}
			if tc.inLambda {
				env["AWS_LAMBDA_FUNCTION_NAME"] = "MyProfile-dev-Auth"
			}
			c, err := config.Load(func(k string) string { return env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), tc.key) {
					t.Errorf("the error quotes the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if got := len(c.MFADataKey); got != tc.wantLen {
				t.Fatalf("key length = %d, want %d", got, tc.wantLen)
			}
			if c.MFADataKeySecret != tc.secret {
				t.Errorf("secret = %q, want %q", c.MFADataKeySecret, tc.secret)
			}
		})
	}
}
