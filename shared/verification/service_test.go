package verification_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/auth"
	"github.com/example/myprofile/shared/config"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/password"
	"github.com/example/myprofile/shared/password/strength"
	"github.com/example/myprofile/shared/phone"
	"github.com/example/myprofile/shared/phone/libphone"
	"github.com/example/myprofile/shared/ratelimit"
	"github.com/example/myprofile/shared/reauth"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/sessions"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/authdb"
	"github.com/example/myprofile/shared/store/verificationdb"
	"github.com/example/myprofile/shared/verification"
)

// These tests call the service's methods directly, without HTTP, against
// DynamoDB Local; mail and text messages are recorded in memory.

const testPassword = "correct horse battery staple"

// outbox records the emails and text messages the service sends.
type outbox struct {
	mu     sync.Mutex
	emails []notify.Email
	sms    map[string][]string
}

func (o *outbox) SendEmail(_ context.Context, e notify.Email) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.emails = append(o.emails, e)
	return nil
}

func (o *outbox) SendSMS(_ context.Context, phone, text string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.sms == nil {
		o.sms = map[string][]string{}
	}
	o.sms[phone] = append(o.sms[phone], text)
	return nil
}

// mustEmailCode returns the code of the newest email to addr.
func (o *outbox) mustEmailCode(t *testing.T, addr string) string {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.emails) - 1; i >= 0; i-- {
		if o.emails[i].To == addr {
			return mustCode(t, o.emails[i].Text)
		}
	}
	t.Fatalf("no email to %s", addr)
	return ""
}

// mustSMSCode returns the code of the newest text message to phone.
func (o *outbox) mustSMSCode(t *testing.T, phone string) string {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	msgs := o.sms[phone]
	if len(msgs) == 0 {
		t.Fatalf("no text message to %s", phone)
	}
	return mustCode(t, msgs[len(msgs)-1])
}

func (o *outbox) emailsTo(addr string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, e := range o.emails {
		if e.To == addr {
			n++
		}
	}
	return n
}

type fixture struct {
	svc    *verification.Service
	auth   *auth.Service
	st     *store.Store
	clock  *apptest.Clock
	outbox *outbox
}

// newFixture builds the service on its own table. Code requests are
// limited to 5 an hour per user, as in production.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, table := testenv.DynamoDB(t)
	st := store.New(db, table)
	clock := &apptest.Clock{}
	clock.Set(time.Now().UTC())
	limiter := func(max int) ratelimit.Limiter {
		return ratelimit.Limiter{Store: st, Now: clock.Now, Window: time.Hour, Max: max}
	}
	hasher := password.NewHasher(password.Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	out := &outbox{}
	audits := audit.Recorder{Store: st, Now: clock.Now}
	return &fixture{
		svc: &verification.Service{
			Store: verificationdb.New(st), Reauth: reauth.Checker{Store: st, Hasher: hasher, Failures: limiter(100)},
			Codes:    testCodes("k"),
			Requests: limiter(5), SMS: phone.NewSMSGuard(st, clock.Now, config.Config{SMSPerAccountHour: 5, SMSPerAccountDay: 10, SMSPerNumberDay: 5, SMSDailyBudget: 1000}), Mailer: out, Texter: out, Phones: libphone.Parser{},
			Now: clock.Now, Log: log, AppName: "Test", Audit: audits,
		},
		auth: &auth.Service{
			Store: authdb.New(st), Sessions: &sessions.Service{Store: st, Now: clock.Now, IdleTTL: time.Hour, AbsoluteTTL: 24 * time.Hour},
			Hasher: hasher, Policy: strength.DefaultPolicy(false), Signups: limiter(1000),
			Failures:      ratelimit.Fair{Store: st, Now: clock.Now, Window: time.Hour, Max: 100},
			FailuresPerIP: ratelimit.Fair{Store: st, Now: clock.Now, Window: time.Hour, Max: 100},
			SignupEnabled: true, Now: clock.Now, Log: log,
			SignupMails: limiter(1000), Keys: staticKey(bytes.Repeat([]byte{7}, 32)), Mailer: &outbox{}, AppName: "Test",
		},
		st: st, clock: clock, outbox: out,
	}
}

// mustUser signs up a new user (through the auth service, without HTTP).
func (f *fixture) mustUser(t *testing.T) account.User {
	t.Helper()
	return f.mustSignUp(t, testenv.Email(t), "Ada", "Lovelace")
}

// mustSignUp signs email up: the request, the code from the mail (kept
// apart from the verification mails), the confirmation.
func (f *fixture) mustSignUp(t *testing.T, email, first, last string) account.User {
	t.Helper()
	if _, err := f.auth.RequestSignUp(t.Context(), auth.SignUp{Email: email, Password: testPassword, FirstName: first, LastName: last}); err != nil {
		t.Fatalf("sign up: %v", err)
	}
	u, _, err := f.auth.ConfirmSignUp(t.Context(), email, f.auth.Mailer.(*outbox).mustEmailCode(t, email))
	if err != nil {
		t.Fatalf("confirm sign-up: %v", err)
	}
	return u
}

// mustPhoneCode requests a phone change of u to phone and returns the code texted.
func (f *fixture) mustPhoneCode(t *testing.T, u account.User, phone string) string {
	t.Helper()
	if _, err := f.svc.RequestPhoneChange(t.Context(), u, phone, testPassword); err != nil {
		t.Fatalf("request phone change: %v", err)
	}
	return f.outbox.mustSMSCode(t, phone)
}

// wantErr fails unless err wraps want (nil: unless err is nil) and, for a
// failure, is answered with code.
func wantErr(t *testing.T, err, want error, code string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("got %v, want no error", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
	if got := account.AsError(err).Code; got != code {
		t.Fatalf("got code %q, want %q", got, code)
	}
}

func attemptsRemaining(err error) any { return account.AsError(err).Extra["attemptsRemaining"] }

func TestConfirmPhoneChange(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		// confirm runs after the request that texted code to phone and
		// returns the outcome of the last confirmation.
		confirm  func(t *testing.T, u account.User, phone, code string) (account.User, error)
		want     error
		wantCode string
		// after checks what is left (optional).
		after func(t *testing.T, u account.User, phone, code string, err error)
	}{
		{
			name: "the right code verifies the phone",
			confirm: func(t *testing.T, u account.User, _, code string) (account.User, error) {
				return f.svc.ConfirmPhoneChange(t.Context(), u, " "+code+" ")
			},
			after: func(t *testing.T, u account.User, phone, _ string, _ error) {
				got, err := f.st.GetUser(t.Context(), u.ID)
				if err != nil || got.Phone != phone || !got.PhoneVerified || got.PhoneInternational == "" || got.Version != u.Version+1 {
					t.Errorf("stored user: phone %q verified %v formatted %q version %d (%v); want %s verified, version %d",
						got.Phone, got.PhoneVerified, got.PhoneInternational, got.Version, err, phone, u.Version+1)
				}
			},
		},
		{
			name: "a wrong code counts an attempt",
			confirm: func(t *testing.T, u account.User, _, code string) (account.User, error) {
				return f.svc.ConfirmPhoneChange(t.Context(), u, wrong(code))
			},
			want: verification.ErrCodeInvalid, wantCode: account.CodeCodeInvalid,
			after: func(t *testing.T, u account.User, _, code string, err error) {
				if got := attemptsRemaining(err); got != verification.MaxAttempts-1 {
					t.Errorf("attemptsRemaining = %v, want %d", got, verification.MaxAttempts-1)
				}
				if c, err := f.svc.Store.GetChange(t.Context(), u.ID, verification.KindPhone); err != nil || c.Attempts != 1 {
					t.Errorf("stored attempts %d (%v), want 1", c.Attempts, err)
				}
				if _, err := f.svc.ConfirmPhoneChange(t.Context(), u, code); err != nil {
					t.Errorf("the right code after one wrong one: %v", err)
				}
			},
		},
		{
			name: "the fifth wrong code cancels the change",
			confirm: func(t *testing.T, u account.User, _, code string) (account.User, error) {
				for i := 1; i < verification.MaxAttempts; i++ {
					_, err := f.svc.ConfirmPhoneChange(t.Context(), u, wrong(code))
					if !errors.Is(err, verification.ErrCodeInvalid) || attemptsRemaining(err) != verification.MaxAttempts-i {
						t.Fatalf("wrong code %d: %v (attemptsRemaining %v)", i, err, attemptsRemaining(err))
					}
				}
				return f.svc.ConfirmPhoneChange(t.Context(), u, wrong(code))
			},
			want: verification.ErrTooManyAttempts, wantCode: account.CodeTooManyAttempts,
			after: func(t *testing.T, u account.User, _, code string, _ error) {
				_, err := f.svc.ConfirmPhoneChange(t.Context(), u, code)
				wantErr(t, err, verification.ErrNoPending, account.CodeCodeInvalid)
			},
		},
		{
			name: "an expired code is refused",
			confirm: func(t *testing.T, u account.User, _, code string) (account.User, error) {
				f.clock.Advance(verification.CodeTTL)
				return f.svc.ConfirmPhoneChange(t.Context(), u, code)
			},
			want: verification.ErrCodeExpired, wantCode: account.CodeCodeExpired,
			after: func(t *testing.T, u account.User, _, _ string, _ error) {
				if _, err := f.svc.Store.GetChange(t.Context(), u.ID, verification.KindPhone); !errors.Is(err, verification.ErrNoPending) {
					t.Errorf("expired change still stored: %v", err)
				}
			},
		},
		{
			name: "a new request replaces the pending one",
			confirm: func(t *testing.T, u account.User, phone, code string) (account.User, error) {
				newCode := f.mustPhoneCode(t, u, phone)
				if newCode == code {
					t.Skip("the two requests drew the same code")
				}
				_, err := f.svc.ConfirmPhoneChange(t.Context(), u, newCode)
				if err != nil {
					t.Fatalf("the new request's code: %v", err)
				}
				return f.svc.ConfirmPhoneChange(t.Context(), u, code)
			},
			want: verification.ErrNoPending, wantCode: account.CodeCodeInvalid,
		},
		{
			name: "no pending change",
			confirm: func(t *testing.T, u account.User, _, code string) (account.User, error) {
				if err := f.svc.Store.DeleteChange(t.Context(), u.ID, verification.KindPhone, ""); err != nil {
					t.Fatal(err)
				}
				return f.svc.ConfirmPhoneChange(t.Context(), u, code)
			},
			want: verification.ErrNoPending, wantCode: account.CodeCodeInvalid,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := f.mustUser(t)
			phone, _ := phoneNumber(t)
			code := f.mustPhoneCode(t, u, phone)
			got, err := tc.confirm(t, u, phone, code)
			wantErr(t, err, tc.want, tc.wantCode)
			if tc.want == nil && (got.Phone != phone || !got.PhoneVerified) {
				t.Errorf("returned user: phone %q verified %v, want %s verified", got.Phone, got.PhoneVerified, phone)
			}
			if tc.after != nil {
				tc.after(t, u, phone, code, err)
			}
		})
	}
}

func TestRequestPhoneChangeRefusals(t *testing.T) {
	f := newFixture(t)
	u := f.mustUser(t)
	phone, _ := phoneNumber(t)
	tests := []struct {
		name            string
		phone, password string
		wantCode        string
		wantFields      []string
	}{
		{"not a number", "call me", testPassword, account.CodeValidation, []string{"phone"}},
		{"no password", phone, "", account.CodeValidation, []string{"password"}},
		{"bad number and no password", "123", "", account.CodeValidation, []string{"phone", "password"}},
		{"wrong password", phone, "not the password", account.CodeInvalidCreds, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.RequestPhoneChange(t.Context(), u, tc.phone, tc.password)
			e := account.AsError(err)
			if err == nil || e.Code != tc.wantCode || !slices.Equal(fieldNames(e), tc.wantFields) {
				t.Errorf("got %v (fields %v), want %s %v", err, fieldNames(e), tc.wantCode, tc.wantFields)
			}
		})
	}
	if n := len(f.outbox.sms[phone]); n != 0 {
		t.Errorf("%d text messages sent for refused requests", n)
	}
}

func fieldNames(e *account.Error) []string {
	var names []string
	for _, fe := range e.Fields {
		names = append(names, fe.Field)
	}
	return names
}

func TestConfirmEmailChange(t *testing.T) {
	f := newFixture(t)
	type codes struct{ newCode, current string }
	request := func(t *testing.T, u account.User, newEmail string) codes {
		t.Helper()
		expires, err := f.svc.RequestEmailChange(t.Context(), u, newEmail, testPassword)
		if err != nil {
			t.Fatalf("request email change: %v", err)
		}
		if want := f.clock.Now().Add(verification.CodeTTL); !expires.Equal(want) {
			t.Errorf("expires at %v, want %v", expires, want)
		}
		return codes{f.outbox.mustEmailCode(t, newEmail), f.outbox.mustEmailCode(t, u.Email)}
	}
	tests := []struct {
		name     string
		confirm  func(t *testing.T, u account.User, newEmail string, c codes) (account.User, error)
		want     error
		wantCode string
	}{
		{
			name: "both codes change the email and the old address is told",
			confirm: func(t *testing.T, u account.User, newEmail string, c codes) (account.User, error) {
				got, err := f.svc.ConfirmEmailChange(t.Context(), u, c.newCode, c.current)
				if err == nil {
					if got.Email != newEmail {
						t.Errorf("returned email %q, want %q", got.Email, newEmail)
					}
					if n := f.outbox.emailsTo(u.Email); n != 2 {
						t.Errorf("%d emails to the old address, want 2 (code and notice)", n)
					}
				}
				return got, err
			},
		},
		{
			name: "codes swapped between the addresses are refused",
			confirm: func(t *testing.T, u account.User, _ string, c codes) (account.User, error) {
				return f.svc.ConfirmEmailChange(t.Context(), u, c.current, c.newCode)
			},
			want: verification.ErrCodeInvalid, wantCode: account.CodeCodeInvalid,
		},
		{
			name: "a wrong current-address code is refused",
			confirm: func(t *testing.T, u account.User, _ string, c codes) (account.User, error) {
				return f.svc.ConfirmEmailChange(t.Context(), u, c.newCode, wrong(c.current))
			},
			want: verification.ErrCodeInvalid, wantCode: account.CodeCodeInvalid,
		},
		{
			name: "a cancelled change confirms nothing",
			confirm: func(t *testing.T, u account.User, _ string, c codes) (account.User, error) {
				if err := f.svc.CancelEmailChange(t.Context(), u.ID); err != nil {
					t.Fatal(err)
				}
				return f.svc.ConfirmEmailChange(t.Context(), u, c.newCode, c.current)
			},
			want: verification.ErrNoPending, wantCode: account.CodeCodeInvalid,
		},
		{
			name: "a new request replaces the pending one",
			confirm: func(t *testing.T, u account.User, newEmail string, c codes) (account.User, error) {
				again := request(t, u, newEmail)
				if again == c {
					t.Skip("the two requests drew the same codes")
				}
				return f.svc.ConfirmEmailChange(t.Context(), u, c.newCode, c.current)
			},
			want: verification.ErrCodeInvalid, wantCode: account.CodeCodeInvalid,
		},
		{
			name: "an address taken meanwhile is refused",
			confirm: func(t *testing.T, u account.User, newEmail string, c codes) (account.User, error) {
				f.mustSignUp(t, newEmail, "Grace", "Hopper")
				return f.svc.ConfirmEmailChange(t.Context(), u, c.newCode, c.current)
			},
			want: account.ErrEmailTaken, wantCode: account.CodeEmailTaken,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := f.mustUser(t)
			newEmail := testenv.Email(t)
			c := request(t, u, newEmail)
			_, err := tc.confirm(t, u, newEmail, c)
			wantErr(t, err, tc.want, tc.wantCode)
		})
	}
}

func TestRequestEmailChangeRefusals(t *testing.T) {
	f := newFixture(t)
	other := f.mustUser(t)
	tests := []struct {
		name string
		// user makes the requesting user (default: a new one).
		user     func(t *testing.T) account.User
		newEmail func(u account.User) string
		password string
		want     error
		wantCode string
	}{
		{name: "an address held by another account",
			newEmail: func(account.User) string { return other.Email }, password: testPassword,
			want: account.ErrEmailTaken, wantCode: account.CodeEmailTaken},
		{name: "the current address",
			newEmail: func(u account.User) string { return u.Email }, password: testPassword,
			wantCode: account.CodeValidation},
		{name: "a wrong password",
			newEmail: func(account.User) string { return "new-" + other.Email }, password: "not the password",
			wantCode: account.CodeInvalidCreds},
		{name: "an SSO-managed user",
			user: func(t *testing.T) account.User {
				u := f.mustUser(t)
				u.SSOManaged, u.IdPURL = true, "https://idp.example.com"
				return u
			},
			newEmail: func(account.User) string { return "sso-" + other.Email }, password: testPassword,
			wantCode: account.CodeSSOManaged},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mk := f.mustUser
			if tc.user != nil {
				mk = tc.user
			}
			u := mk(t)
			sent := len(f.outbox.emails)
			_, err := f.svc.RequestEmailChange(t.Context(), u, tc.newEmail(u), tc.password)
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
			if got := account.AsError(err).Code; err == nil || got != tc.wantCode {
				t.Errorf("got %v, want code %s", err, tc.wantCode)
			}
			if n := len(f.outbox.emails) - sent; n != 0 {
				t.Errorf("%d emails sent for a refused request", n)
			}
		})
	}
}

// The sixth email code request of a user in an hour is refused with the
// time to wait; an hour later requests are taken again.
func TestRequestLimit(t *testing.T) {
	f := newFixture(t)
	u := f.mustUser(t)
	for i := range 5 {
		if _, err := f.svc.RequestEmailChange(t.Context(), u, testenv.Email(t), testPassword); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	_, err := f.svc.RequestEmailChange(t.Context(), u, testenv.Email(t), testPassword)
	wantErr(t, err, verification.ErrRateLimited, account.CodeRateLimited)
	if account.AsError(err).RetryAfter <= 0 {
		t.Errorf("no RetryAfter on %v", err)
	}
	f.clock.Advance(time.Hour)
	if _, err := f.svc.RequestEmailChange(t.Context(), u, testenv.Email(t), testPassword); err != nil {
		t.Errorf("request an hour later: %v", err)
	}
}

// A confirmed change is audited with the request id and client address of
// the context, in the user's organization.
func TestConfirmedChangeIsAudited(t *testing.T) {
	f := newFixture(t)
	u := f.mustUser(t)
	phone, _ := phoneNumber(t)
	code := f.mustPhoneCode(t, u, phone)
	ctx := request.WithSource(request.WithID(t.Context(), "req-123"), request.Source{IP: "192.0.2.7"})
	if _, err := f.svc.ConfirmPhoneChange(ctx, u, code); err != nil {
		t.Fatal(err)
	}
	page, err := f.st.ListUserAudit(t.Context(), u.ID, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	orgID, _, _ := u.CurrentOrg("")
	for _, e := range page.Entries {
		if e.Action == audit.ActionPhoneChanged {
			if e.RequestID != "req-123" || e.IP != "192.0.2.7" || e.OrgID != orgID || e.Actor != u.ID || e.Details["to"] == phone || e.Details["to"] == "" {
				t.Errorf("entry %+v: want request req-123, IP 192.0.2.7, org %s, actor %s and a masked number", e, orgID, u.ID)
			}
			return
		}
	}
	t.Errorf("no %s entry in %+v", audit.ActionPhoneChanged, page.Entries)
}
