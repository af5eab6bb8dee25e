package twofactor_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/example/myprofile/shared/app/apptest"
)

// With 2FA on, removing a factor, regenerating backup codes and deleting
// the account need the password and a current second factor: the password
// alone is 401 mfa_invalid and changes nothing; with an authenticator code
// or a backup code the change is made.
func TestSensitiveChangesNeedASecondFactor(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	secret, codes := enrolTOTP(t, e, u)
	changes := []struct {
		name   string
		method string
		path   string
		ok     int
	}{
		{name: "regenerate backup codes", method: "POST", path: "/v1/me/2fa/backup-codes", ok: http.StatusOK},
		{name: "remove the authenticator", method: "DELETE", path: "/v1/me/2fa/totp", ok: http.StatusNoContent},
		{name: "delete the account", method: "DELETE", path: "/v1/me", ok: http.StatusNoContent},
	}
	for _, c := range changes {
		for _, code := range []string{"", "123456", "ABCDEFGHJK"} {
			body := map[string]any{"password": u.Password, "confirm": "DELETE"}
			if code != "" {
				body["code"] = code
			}
			if c.path != "/v1/me" {
				delete(body, "confirm")
			}
			if code == mustCode(t, secret, e.Clock.Now()) {
				continue
			}
			res := e.Do(apptest.Req{Method: c.method, Path: c.path, Token: u.Token, Body: body})
			if res.Status != http.StatusUnauthorized || res.Code() != "mfa_invalid" {
				t.Errorf("%s with the password and code %q: %d %s, want 401 mfa_invalid", c.name, code, res.Status, res.Body)
			}
		}
	}
	st := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/2fa", Token: u.Token}).JSON()
	if st["enabled"] != true || st["backupCodes"].(map[string]any)["remaining"] != float64(10) {
		t.Fatalf("after refused changes: %v, want 2FA on with 10 backup codes", st)
	}

	e.Clock.Advance(30 * time.Second) // the enrolment's code is used
	res := e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/2fa/backup-codes", Token: u.Token,
		Body: map[string]any{"password": u.Password, "code": mustCode(t, secret, e.Clock.Now())}})
	var out struct {
		BackupCodes []string `json:"backupCodes"`
	}
	res.Decode(t, &out)
	if len(out.BackupCodes) != 10 {
		t.Fatalf("regenerated: %s", res.Body)
	}
	old := e.Do(apptest.Req{Method: "DELETE", Path: "/v1/me/2fa/totp", Token: u.Token, Body: map[string]any{"password": u.Password, "code": codes[0]}})
	if old.Status != http.StatusUnauthorized || old.Code() != "mfa_invalid" {
		t.Errorf("a replaced backup code as the second factor: %d %s, want 401 mfa_invalid", old.Status, old.Body)
	}
	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me", Token: u.Token,
		Body: map[string]any{"password": u.Password, "code": out.BackupCodes[0], "confirm": "DELETE"}})
	res = e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": u.Password}})
	if res.Status != http.StatusUnauthorized {
		t.Errorf("sign-in after deletion: %d %s, want 401", res.Status, res.Body)
	}
}
