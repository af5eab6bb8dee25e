package twofactor_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/app/twofactorwire"
)

// With MFA_DATA_KEY_SECRET (the stack's way), the key that seals TOTP
// secrets (and keys the sign-up codes) is read from Secrets Manager when
// first needed, not when the functions start, and once per execution
// environment.
func TestDataKeyFromSecretsManager(t *testing.T) {
	secrets := &localcloud.SecretsEndpoint{}
	secrets.Put("myprofile/test/mfa", base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")))
	srv := httptest.NewServer(secrets) // 127.0.0.1
	t.Cleanup(srv.Close)
	cfg := testenv.Config(t)
	cfg.BaseEndpoint = &srv.URL
	e := apptest.New(t, &apptest.Options{
		Env: map[string]string{"MFA_DATA_KEY_SECRET": "myprofile/test/mfa"},
		Configure: func(d *app.Deps) {
			d.SetClient(twofactorwire.SecretsManager, secretsmanager.NewFromConfig(cfg))
		},
	})
	u := e.SignUp(nil)
	// auth keyed the sign-up code with it; twofactor has not read it yet.
	if n := secrets.Reads(); n != 1 {
		t.Fatalf("%d secret reads after a sign-up, want 1", n)
	}
	secret, _ := enrolTOTP(t, e, u)
	e.Clock.Advance(30 * time.Second)
	c := mustChallenge(t, e, u)
	wantSession(t, e, second(e, c, "totp", mustCode(t, secret, e.Clock.Now())), "TOTP sign-in with the key from Secrets Manager")
	// One read per function: auth at sign-up (and it opened the secret at
	// sign-in with the key it kept), twofactor when it sealed the secret
	// at enrolment.
	if n := secrets.Reads(); n != 2 {
		t.Errorf("%d secret reads after enrolment and sign-in, want 2 (one per function)", n)
	}
	e.Clock.Advance(30 * time.Second)
	c = mustChallenge(t, e, u)
	wantSession(t, e, second(e, c, "totp", mustCode(t, secret, e.Clock.Now())), "second TOTP sign-in")
	if n := secrets.Reads(); n != 2 {
		t.Errorf("%d secret reads after a second sign-in, want still 2", n)
	}

	// A missing secret fails the request that needs the key, not the
	// start, and the answer names nothing of it.
	missing := apptest.New(t, &apptest.Options{
		Env: map[string]string{"MFA_DATA_KEY_SECRET": "myprofile/test/missing"},
		Configure: func(d *app.Deps) {
			d.SetClient(twofactorwire.SecretsManager, secretsmanager.NewFromConfig(cfg))
		},
	})
	res := missing.Do(apptest.Req{Method: "POST", Path: "/v1/auth/signup", Body: map[string]any{
		"email": testenv.Email(t), "password": apptest.DefaultPassword, "firstName": "Ada", "lastName": "Lovelace"}})
	if res.Status != http.StatusInternalServerError || res.Code() != "internal" || strings.Contains(string(res.Body), "myprofile/test") {
		t.Errorf("sign-up without the secret: %d %s, want 500 internal", res.Status, res.Body)
	}
}
