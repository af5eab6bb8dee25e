package all_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/example/myprofile/shared/app/all"
	"github.com/example/myprofile/shared/catalog"
)

// Each function starts the way its main does (all.Load is app.Load, then
// its handler) in a Lambda-like environment whose every AWS endpoint is a
// local listener: starting makes no network call (issue 2). The 2FA data
// key is named by a secret, so its read must wait for first use too.
func TestStartingMakesNoNetworkCall(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "no call is expected while starting", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	for k, v := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME": "MyProfile-prod-Fn", "AWS_REGION": "eu-west-1",
		"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
		"AWS_ENDPOINT_URL": srv.URL,
		"STAGE":            "prod", "TABLE_NAME": "MyProfile-prod", "SENDER_EMAIL": "no-reply@example.com",
		"MFA_DATA_KEY_SECRET": "myprofile/prod/mfa", "WEBAUTHN_RP_ID": "example.com", "WEBAUTHN_ORIGINS": "https://app.example.com",
		"UPLOADS_BUCKET": "uploads", "AVATAR_BASE_URL": "https://cdn.example.com", "QUEUE_URL": srv.URL + "/000000000000/digest",
	} {
		t.Setenv(k, v)
	}
	for _, fn := range catalog.All() {
		t.Run(fn.Name, func(t *testing.T) {
			d, err := all.Load(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Lambda(fn.Name); err != nil {
				t.Fatal(err)
			}
		})
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%d network calls while starting the functions, want 0", n)
	}
}
