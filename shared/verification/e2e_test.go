package verification_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/phone"
	"github.com/example/myprofile/shared/phone/libphone"
	"github.com/example/myprofile/shared/ratelimit"
	"github.com/example/myprofile/shared/verification"
)

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// mustCode returns the one 6-digit code in a message, as a user reads it.
func mustCode(t *testing.T, text string) string {
	t.Helper()
	codes := sixDigits.FindAllString(text, -1)
	if len(codes) != 1 {
		t.Fatalf("want exactly one 6-digit code in %q, found %v", text, codes)
	}
	return codes[0]
}

// mustLastEmail returns the newest email to addr, failing if there is none.
func mustLastEmail(t *testing.T, e *apptest.Env, addr string) localcloud.Email {
	t.Helper()
	msgs := e.Emails(addr)
	if len(msgs) == 0 {
		t.Fatalf("no email to %s", addr)
	}
	return msgs[len(msgs)-1]
}

// requestEmailChange asks for a change and returns the codes from both inboxes.
func requestEmailChange(t *testing.T, e *apptest.Env, u apptest.User, newEmail string) (newCode, currentCode string) {
	t.Helper()
	res := e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/email-change", Token: u.Token,
		Body: map[string]any{"newEmail": newEmail, "password": u.Password}})
	var out struct {
		ExpiresAt time.Time `json:"expiresAt"`
	}
	res.Decode(t, &out)
	if want := e.Clock.Now().Add(10 * time.Minute); out.ExpiresAt.Sub(want).Abs() > time.Second {
		t.Errorf("expiresAt = %v, want %v", out.ExpiresAt, want)
	}
	return mustCode(t, mustLastEmail(t, e, newEmail).Text), mustCode(t, mustLastEmail(t, e, u.Email).Text)
}

func confirmEmail(e *apptest.Env, u apptest.User, newCode, currentCode string) *apptest.Response {
	return e.Do(apptest.Req{Method: "POST", Path: "/v1/me/email-change/confirm", Token: u.Token,
		Body: map[string]any{"newEmailCode": newCode, "currentEmailCode": currentCode}})
}

func wantProblem(t *testing.T, res *apptest.Response, status int, code string) {
	t.Helper()
	if res.Status != status || res.Code() != code {
		t.Fatalf("got %d %s, want %d %s", res.Status, res.Body, status, code)
	}
}

// wrong returns a 6-digit code different from c.
func wrong(c string) string {
	if c == "000000" {
		return "000001"
	}
	return "000000"
}

func TestEmailChange(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	newEmail := testenv.Email(t)
	newCode, curCode := requestEmailChange(t, e, u, newEmail)

	t.Run("each email says which address it confirms and when it expires", func(t *testing.T) {
		e := e.For(t)
		toNew, toCur := mustLastEmail(t, e, newEmail), mustLastEmail(t, e, u.Email)
		for _, m := range []localcloud.Email{toNew, toCur} {
			if !strings.Contains(m.Text, "10 minutes") || m.HTML == "" {
				t.Errorf("email %q lacks the expiry or an HTML body: %q", m.Subject, m.Text)
			}
		}
		if !strings.Contains(toNew.Text, "new address ("+newEmail+")") {
			t.Errorf("email to the new address does not name it: %q", toNew.Text)
		}
		if !strings.Contains(toCur.Text, "current address ("+u.Email+")") || !strings.Contains(toCur.Text, newEmail) {
			t.Errorf("email to the current address does not name both: %q", toCur.Text)
		}
		if newCode == curCode {
			t.Error("both addresses got the same code")
		}
	})
	t.Run("the current email still signs in before confirming", func(t *testing.T) {
		e := e.For(t)
		e.Login(u.Email, u.Password)
	})
	t.Run("codes swapped between the fields are refused", func(t *testing.T) {
		e := e.For(t)
		wantProblem(t, confirmEmail(e, u, curCode, newCode), http.StatusBadRequest, "code_invalid")
	})
	t.Run("both codes change the email", func(t *testing.T) {
		e := e.For(t)
		res := confirmEmail(e, u, newCode, curCode)
		if res.Status != http.StatusOK || res.JSON()["email"] != newEmail {
			t.Fatalf("confirm: %d %s", res.Status, res.Body)
		}
	})
	t.Run("the new email signs in and the old one does not", func(t *testing.T) {
		e := e.For(t)
		e.Login(newEmail, u.Password)
		res := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": u.Password}})
		wantProblem(t, res, http.StatusUnauthorized, "invalid_credentials")
	})
	t.Run("the old address is told, with the new one masked", func(t *testing.T) {
		e := e.For(t)
		notice := mustLastEmail(t, e, u.Email)
		if !strings.Contains(notice.Text, notify.MaskEmail(newEmail)) || strings.Contains(notice.Text, newEmail) {
			t.Errorf("notice = %q, want the masked new address only", notice.Text)
		}
		if sixDigits.MatchString(notice.Text) {
			t.Errorf("notice carries a code: %q", notice.Text)
		}
	})
	t.Run("the codes work once", func(t *testing.T) {
		e := e.For(t)
		wantProblem(t, confirmEmail(e, u, newCode, curCode), http.StatusBadRequest, "code_invalid")
	})
	t.Run("the change is in the audit log without the addresses in clear", func(t *testing.T) {
		e := e.For(t)
		mustAudit(t, e, u.ID, "email.changed", newEmail)
	})
}

// mustAudit checks the user's audit log has one entry of action that does
// not spell out secret (an address or number).
func mustAudit(t *testing.T, e *apptest.Env, uid, action, secret string) {
	t.Helper()
	page, err := e.Deps.Store().ListUserAudit(context.Background(), uid, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, en := range page.Entries {
		if en.Action != action {
			continue
		}
		n++
		for k, v := range en.Details {
			if strings.Contains(v, secret) {
				t.Errorf("audit detail %s = %q spells out %q", k, v, secret)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d %s entries in the audit log, want 1", n, action)
	}
}

func TestEmailChangeWrongCodesVoidTheChange(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	newCode, curCode := requestEmailChange(t, e, u, testenv.Email(t))
	for i := 1; i <= 4; i++ {
		wantProblem(t, confirmEmail(e, u, newCode, wrong(curCode)), http.StatusBadRequest, "code_invalid")
	}
	wantProblem(t, confirmEmail(e, u, wrong(newCode), curCode), http.StatusTooManyRequests, "too_many_attempts")
	// The right codes come too late: the change is void.
	wantProblem(t, confirmEmail(e, u, newCode, curCode), http.StatusBadRequest, "code_invalid")
	me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: u.Token})
	if me.JSON()["email"] != u.Email {
		t.Errorf("email = %v, want unchanged %s", me.JSON()["email"], u.Email)
	}
}

func TestEmailChangeCodeExpires(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	newCode, curCode := requestEmailChange(t, e, u, testenv.Email(t))
	e.Clock.Advance(10*time.Minute + time.Second)
	wantProblem(t, confirmEmail(e, u, newCode, curCode), http.StatusBadRequest, "code_expired")
}

func TestEmailChangeNewRequestReplacesThePendingOne(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	first := testenv.Email(t)
	oldNew, oldCur := requestEmailChange(t, e, u, first)
	second := testenv.Email(t)
	newCode, curCode := requestEmailChange(t, e, u, second)
	wantProblem(t, confirmEmail(e, u, oldNew, oldCur), http.StatusBadRequest, "code_invalid")
	res := confirmEmail(e, u, newCode, curCode)
	if res.Status != http.StatusOK || res.JSON()["email"] != second {
		t.Fatalf("confirm the second request: %d %s", res.Status, res.Body)
	}
}

func TestEmailChangeCancel(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	newCode, curCode := requestEmailChange(t, e, u, testenv.Email(t))
	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me/email-change", Token: u.Token})
	wantProblem(t, confirmEmail(e, u, newCode, curCode), http.StatusBadRequest, "code_invalid")
	// Cancelling with nothing pending is fine too.
	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me/email-change", Token: u.Token})
}

func TestEmailChangeRequestIsChecked(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	other := e.SignUp(nil)
	tests := []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"not an email", map[string]any{"newEmail": "nope", "password": u.Password}, 400, "validation_failed"},
		{"display name form", map[string]any{"newEmail": "Ada <ada@example.com>", "password": u.Password}, 400, "validation_failed"},
		{"too long", map[string]any{"newEmail": strings.Repeat("a", 250) + "@example.com", "password": u.Password}, 400, "validation_failed"},
		{"same as the current one", map[string]any{"newEmail": strings.ToUpper(u.Email), "password": u.Password}, 400, "validation_failed"},
		{"no password", map[string]any{"newEmail": testenv.Email(t)}, 400, "validation_failed"},
		{"wrong password", map[string]any{"newEmail": testenv.Email(t), "password": "not-the-password"}, 401, "invalid_credentials"},
		{"unknown field", map[string]any{"newEmail": testenv.Email(t), "password": u.Password, "x": 1}, 400, "validation_failed"},
		{"held by another account", map[string]any{"newEmail": other.Email, "password": u.Password}, 409, "email_taken"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e.For(t)
			res := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/email-change", Token: u.Token, Body: tc.body})
			if res.Status != tc.status || (tc.code != "" && res.Code() != tc.code) {
				t.Errorf("got %d %s, want %d %s", res.Status, res.Body, tc.status, tc.code)
			}
		})
	}
	t.Run("without a session", func(t *testing.T) {
		e := e.For(t)
		res := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/email-change", Body: map[string]any{"newEmail": testenv.Email(t), "password": u.Password}})
		wantProblem(t, res, http.StatusUnauthorized, "unauthenticated")
	})
}

func TestEmailChangeIsRateLimited(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	for i := 0; i < 5; i++ {
		requestEmailChange(t, e, u, testenv.Email(t))
	}
	res := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/email-change", Token: u.Token,
		Body: map[string]any{"newEmail": testenv.Email(t), "password": u.Password}})
	wantProblem(t, res, http.StatusTooManyRequests, "rate_limited")
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	e.Clock.Advance(time.Hour)
	requestEmailChange(t, e, u, testenv.Email(t))
}

func TestEmailChangeSSOManaged(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	st := e.Deps.Store()
	rec, err := st.GetUser(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec.SSOManaged, rec.IdPURL = true, "https://idp.example.com/"
	rec.Version++
	if err := st.SaveUser(context.Background(), rec, rec.Version-1); err != nil {
		t.Fatal(err)
	}
	res := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/email-change", Token: u.Token,
		Body: map[string]any{"newEmail": testenv.Email(t), "password": u.Password}})
	wantProblem(t, res, http.StatusConflict, "sso_managed")
	if res.JSON()["idpUrl"] != "https://idp.example.com/" {
		t.Errorf("idpUrl = %v", res.JSON()["idpUrl"])
	}
}

func TestConcurrentConfirmationsHaveOneWinner(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	newEmail := testenv.Email(t)
	newCode, curCode := requestEmailChange(t, e, u, newEmail)

	const n = 10
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := e.InGoroutine()
			statuses[i] = confirmEmail(e, u, newCode, curCode).Status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch {
		case s == http.StatusOK:
			ok++
		case s >= 500:
			t.Errorf("a confirmation failed with %d", s)
		}
	}
	if ok != 1 {
		t.Fatalf("statuses %v: %d successes, want exactly 1", statuses, ok)
	}
	t.Logf("statuses of the %d confirmations: %v", n, statuses)
	mustEmailItems(t, e, u.ID, newEmail, u.Email)
}

// mustEmailItems checks that the user record and the uniqueness items agree:
// the user has email, email's item points to them, and released is free.
func mustEmailItems(t *testing.T, e *apptest.Env, uid, email, released string) {
	t.Helper()
	st := e.Deps.Store()
	ctx := context.Background()
	rec, err := st.GetUser(ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Email != email {
		t.Errorf("user %s has email %s, want %s", uid, rec.Email, email)
	}
	if holder, err := st.LookupEmail(ctx, email); err != nil || holder != uid {
		t.Errorf("uniqueness item of %s: holder %q, %v; want %s", email, holder, err, uid)
	}
	if released != "" {
		if holder, err := st.LookupEmail(ctx, released); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("uniqueness item of %s still held by %q (%v)", released, holder, err)
		}
	}
}

func TestTwoUsersRaceForOneAddress(t *testing.T) {
	e := apptest.New(t, nil)
	a, b := e.SignUp(nil), e.SignUp(nil)
	target := testenv.Email(t)
	aNew, aCur := requestEmailChange(t, e, a, target)
	bNew, bCur := requestEmailChange(t, e, b, target)

	var wg sync.WaitGroup
	var ra, rb *apptest.Response
	wg.Add(2)
	go func() { defer wg.Done(); ra = confirmEmail(e.InGoroutine(), a, aNew, aCur) }()
	go func() { defer wg.Done(); rb = confirmEmail(e.InGoroutine(), b, bNew, bCur) }()
	wg.Wait()

	winner, loser := a, b
	win, lose := ra, rb
	if rb.Status == http.StatusOK {
		winner, loser, win, lose = b, a, rb, ra
	}
	if win.Status != http.StatusOK {
		t.Fatalf("no winner: %d %s / %d %s", ra.Status, ra.Body, rb.Status, rb.Body)
	}
	wantProblem(t, lose, http.StatusConflict, "email_taken")
	mustEmailItems(t, e, winner.ID, target, winner.Email)
	mustEmailItems(t, e, loser.ID, loser.Email, "")
	e.Login(target, winner.Password)
	e.Login(loser.Email, loser.Password)
}

// phoneNumber returns a Spanish mobile number no other test uses.
func phoneNumber(t *testing.T) (e164, written string) {
	t.Helper()
	id := testenv.RandomID(t)
	digits := ""
	for _, r := range id {
		digits += fmt.Sprint(int(r) % 10)
	}
	d := "6" + digits[:8]
	return "+34" + d, fmt.Sprintf("+34 %s %s %s %s", d[:3], d[3:5], d[5:7], d[7:9])
}

func TestPhoneChange(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	e164, written := phoneNumber(t)
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token,
		Body: map[string]any{"phone": written, "password": u.Password}})
	msgs := e.SMS(e164)
	if len(msgs) != 1 {
		t.Fatalf("%d SMS to %s, want 1", len(msgs), e164)
	}
	if msgs[0].SMSType != "Transactional" {
		t.Errorf("SMSType = %q, want Transactional", msgs[0].SMSType)
	}
	code := mustCode(t, msgs[0].Message)

	wantProblem(t, e.Do(apptest.Req{Method: "POST", Path: "/v1/me/phone-change/confirm", Token: u.Token,
		Body: map[string]any{"code": wrong(code)}}), http.StatusBadRequest, "code_invalid")
	res := e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/phone-change/confirm", Token: u.Token,
		Body: map[string]any{"code": code}})
	if j := res.JSON(); j["phone"] != e164 || j["phoneVerified"] != true {
		t.Errorf("profile after confirm: phone %v verified %v, want %s true", j["phone"], j["phoneVerified"], e164)
	}
	// The display formats are stored with the number: the profile function
	// shows them without parsing it again.
	national := strings.TrimPrefix(written, "+34 ")
	wantFormats := map[string]any{"national": national, "international": written}
	if got := res.JSON()["phoneFormatted"]; !reflect.DeepEqual(got, wantFormats) {
		t.Errorf("phoneFormatted after confirm = %v, want %v", got, wantFormats)
	}
	me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: u.Token}).JSON()
	if got := me["phoneFormatted"]; !reflect.DeepEqual(got, wantFormats) {
		t.Errorf("GET /v1/me phoneFormatted = %v, want %v", got, wantFormats)
	}
	// So are its type and country, which the sign-in SMS guard reads.
	if rec, err := e.Deps.Store().GetUser(t.Context(), u.ID); err != nil || rec.PhoneType != "mobile" || rec.PhoneCountry != "ES" {
		t.Errorf("stored type %q country %q (%v), want mobile ES", rec.PhoneType, rec.PhoneCountry, err)
	}
	wantProblem(t, e.Do(apptest.Req{Method: "POST", Path: "/v1/me/phone-change/confirm", Token: u.Token,
		Body: map[string]any{"code": code}}), http.StatusBadRequest, "code_invalid")
	mustAudit(t, e, u.ID, "phone.changed", e164)
}

func TestPhoneChangeNationalNumberUsesTheRegion(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	e164, _ := phoneNumber(t)
	national := e164[3:]
	res := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token,
		Body: map[string]any{"phone": national, "password": u.Password}})
	wantProblem(t, res, http.StatusBadRequest, "validation_failed")

	e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{"region": "ES"}})
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token,
		Body: map[string]any{"phone": national, "password": u.Password}})
	code := mustCode(t, e.SMS(e164)[0].Message)
	e.Clock.Advance(10 * time.Minute)
	wantProblem(t, e.Do(apptest.Req{Method: "POST", Path: "/v1/me/phone-change/confirm", Token: u.Token,
		Body: map[string]any{"code": code}}), http.StatusBadRequest, "code_expired")
}

func TestPhoneChangeRequestIsChecked(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	e164, _ := phoneNumber(t)
	tests := []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"not a number", map[string]any{"phone": "call me", "password": u.Password}, 400, "validation_failed"},
		{"too short", map[string]any{"phone": "+34 612", "password": u.Password}, 400, "validation_failed"},
		{"no password", map[string]any{"phone": e164}, 400, "validation_failed"},
		{"wrong password", map[string]any{"phone": e164, "password": "not-the-password"}, 401, "invalid_credentials"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e.For(t)
			res := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token, Body: tc.body})
			wantProblem(t, res, tc.status, tc.code)
		})
	}
	if n := len(e.SMS(e164)); n != 0 {
		t.Errorf("%d SMS sent for refused requests", n)
	}
}

// A send that fails answers 503 and leaves no pending change behind.
func TestSendFailureLeavesNothingPending(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	d := e.Deps
	svc := &verification.Service{
		Store: d.Store(), Sessions: d.Sessions(), Reauth: d.Reauth(),
		Codes:    testCodes("k"),
		Requests: verifyLimiter(e), SMS: phone.NewSMSGuard(d.Store(), d.Now, d.Config), Mailer: apptest.FailingMailer{}, Texter: apptest.FailingTexter{}, Phones: libphone.Parser{},
		Now: d.Now, Log: d.Log, AppName: "Test",
	}
	srv := httptest.NewServer(httpapi.Middleware(d.Log, svc.Routes().Mux()))
	t.Cleanup(srv.Close)
	broken := *e
	broken.Server = srv
	phone, _ := phoneNumber(t)
	for _, tc := range []struct {
		name, path, kind string
		body             map[string]any
	}{
		{"email", "/v1/me/email-change", verification.KindEmail, map[string]any{"newEmail": testenv.Email(t), "password": u.Password}},
		{"phone", "/v1/me/phone-change", verification.KindPhone, map[string]any{"phone": phone, "password": u.Password}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := broken.Do(apptest.Req{Method: "POST", Path: tc.path, Token: u.Token, Body: tc.body})
			wantProblem(t, res, http.StatusServiceUnavailable, "service_unavailable")
			if _, err := d.Store().GetChange(context.Background(), u.ID, tc.kind); !errors.Is(err, verification.ErrNoPending) {
				t.Errorf("pending %s change after a failed send: %v", tc.kind, err)
			}
		})
	}
}

func verifyLimiter(e *apptest.Env) ratelimit.Limiter {
	return ratelimit.Limiter{Store: e.Deps.Store(), Now: e.Deps.Now, Window: time.Hour, Max: 5}
}

// A record whose phone was verified before its display formats were stored
// keeps it through an email change, which links no phone parser (the
// formats come with the next verification of the number).
func TestEmailChangeKeepsAnOlderPhone(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	st := e.Deps.Store()
	rec, err := st.GetUser(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec.Phone, rec.PhoneVerified = "+34600111222", true // no stored formats
	rec.Version++
	if err := st.SaveUser(t.Context(), rec, rec.Version-1); err != nil {
		t.Fatal(err)
	}
	newCode, curCode := requestEmailChange(t, e, u, testenv.Email(t))
	res := confirmEmail(e, u, newCode, curCode)
	if res.Status != http.StatusOK || res.JSON()["phone"] != "+34600111222" || res.JSON()["phoneFormatted"] != nil {
		t.Errorf("confirm: %d phone %v phoneFormatted %v, want the number and no formats", res.Status, res.JSON()["phone"], res.JSON()["phoneFormatted"])
	}
	if rec, err = st.GetUser(t.Context(), u.ID); err != nil || rec.Phone != "+34600111222" || !rec.PhoneVerified {
		t.Errorf("stored phone %q verified %v (%v)", rec.Phone, rec.PhoneVerified, err)
	}
}
