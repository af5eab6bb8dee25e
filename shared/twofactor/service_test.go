package twofactor_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/auth"
	"github.com/example/myprofile/shared/config"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/password"
	"github.com/example/myprofile/shared/phone"
	"github.com/example/myprofile/shared/phone/libphone"
	"github.com/example/myprofile/shared/ratelimit"
	"github.com/example/myprofile/shared/reauth"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/sessions"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/authdb"
	"github.com/example/myprofile/shared/store/twofactordb"
	"github.com/example/myprofile/shared/twofactor"
)

// These tests call the Service's methods directly, without HTTP, against
// DynamoDB Local; mail is recorded.

const svcPassword = "correct horse battery staple"

// svcLimit is the per-user limit of wrong codes in these tests.
const svcLimit = 3

// client is the caller every sign-in challenge here is made for.
var client = request.Source{IP: "192.0.2.10", UserAgent: "service-test"}

// sentMail records the notices the service sends.
type sentMail struct {
	mu   sync.Mutex
	sent []notify.Email
}

func (m *sentMail) SendEmail(_ context.Context, e notify.Email) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, e)
	return nil
}

// subjects returns the subjects of the mail sent to addr, oldest first.
func (m *sentMail) subjects(addr string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, e := range m.sent {
		if e.To == addr {
			out = append(out, e.Subject)
		}
	}
	return out
}

type noTexts struct{}

func (noTexts) SendSMS(context.Context, string, string) error {
	return errors.New("no texts in this test")
}

// svcEnv is one Service on its own table.
type svcEnv struct {
	svc   *twofactor.Service
	store *store.Store
	clock *apptest.Clock
	mail  *sentMail
}

func newSvcEnv(t *testing.T) *svcEnv {
	t.Helper()
	db, table := testenv.DynamoDB(t)
	st := store.New(db, table)
	clock := &apptest.Clock{}
	clock.Set(time.Now().UTC())
	hasher := password.NewHasher(password.Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	limiter := func(max int) ratelimit.Limiter {
		return ratelimit.Limiter{Store: st, Now: clock.Now, Window: time.Hour, Max: max}
	}
	wa, err := twofactor.NewWebAuthn("localhost", "MyProfile", []string{"http://localhost"})
	if err != nil {
		t.Fatalf("webauthn: %v", err)
	}
	tf := twofactordb.New(st)
	mail := &sentMail{}
	svc := &twofactor.Service{
		Store: tf, Users: tf,
		Sessions: &sessions.Service{Store: st, Now: clock.Now, IdleTTL: time.Hour, AbsoluteTTL: 24 * time.Hour},
		Reauth:   reauth.Checker{Store: st, Hasher: hasher, Failures: limiter(5)},
		Hasher:   hasher, Mailer: mail, Texter: noTexts{},
		Sealer:   twofactor.Sealer{Keys: twofactor.StaticKey(strings.Repeat("k", 32))},
		Failures: limiter(svcLimit), SMS: phone.NewSMSGuard(st, clock.Now, config.Config{SMSPerAccountHour: 5, SMSPerAccountDay: 10, SMSPerNumberDay: 5, SMSDailyBudget: 1000}),
		Issuer: "MyProfile", WebAuthn: wa, Now: clock.Now,
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Audit: audit.Recorder{Store: st, Now: clock.Now},
	}
	return &svcEnv{svc: svc, store: st, clock: clock, mail: mail}
}

// mustUser stores a new user (with a verified phone when phone is true)
// and returns them signed in.
func (e *svcEnv) mustUser(t *testing.T, phone bool) sessions.Principal {
	t.Helper()
	now := e.clock.Now()
	hash, err := e.svc.Hasher.Hash(svcPassword)
	if err != nil {
		t.Fatalf("hash: %v", err)
	}
	id, org := testenv.RandomID(t), testenv.RandomID(t)
	u := account.User{ID: id, Email: testenv.Email(t), FirstName: "Ada", LastName: "Lovelace", Language: "en", CreatedAt: now, UpdatedAt: now,
		TwoFactor: account.TwoFactor{Methods: []string{}},
		Orgs:      map[string]account.Membership{org: {Role: account.RoleOwner, JoinedAt: now}}}
	if phone {
		u.Phone, u.PhoneVerified = "+14155550123", true
		libphone.Complete(&u)
	}
	sess, _, err := e.svc.Sessions.New(id, client.UserAgent, client.IP)
	if err != nil {
		t.Fatalf("session: %v", err)
	}
	a := auth.NewAccount{User: u, PasswordHash: hash, Org: account.Organization{ID: org, Name: "Ada's", CreatedAt: now}, Session: sess}
	if err := authdb.New(e.store).CreateAccount(t.Context(), a); err != nil {
		t.Fatalf("create account: %v", err)
	}
	return e.principal(t, sessions.Principal{User: u, Session: sess})
}

// principal re-reads the caller's user record, as a new request would.
func (e *svcEnv) principal(t *testing.T, p sessions.Principal) sessions.Principal {
	t.Helper()
	u, err := e.svc.Users.GetUser(t.Context(), p.User.ID)
	if err != nil {
		t.Fatalf("get user: %v", err)
	}
	p.User = u
	return p
}

// mustStartTOTP begins an authenticator set-up and returns its secret.
func (e *svcEnv) mustStartTOTP(t *testing.T, p sessions.Principal) string {
	t.Helper()
	setup, err := e.svc.StartTOTP(t.Context(), p.User, svcPassword)
	if err != nil {
		t.Fatalf("start totp: %v", err)
	}
	if setup.Secret == "" || !strings.HasPrefix(setup.OtpauthURI, "otpauth://totp/") || len(setup.QRPNG) == 0 {
		t.Fatalf("start totp: got %+v, want a secret, its URI and a QR code", setup)
	}
	return setup.Secret
}

// mustTOTP sets up the authenticator and returns the secret, the backup
// codes and the caller with the record as it is now.
func (e *svcEnv) mustTOTP(t *testing.T, p sessions.Principal) (string, []string, sessions.Principal) {
	t.Helper()
	secret := e.mustStartTOTP(t, p)
	codes, err := e.svc.ConfirmTOTP(t.Context(), p, totpAt(t, secret, e.clock.Now()), false)
	if err != nil {
		t.Fatalf("confirm totp: %v", err)
	}
	return secret, codes, e.principal(t, p)
}

func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatalf("totp code: %v", err)
	}
	return c
}

// wrongTOTP is a well-formed code that is not the one of at.
func wrongTOTP(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	for _, c := range []string{"000000", "111111", "222222"} {
		if c != totpAt(t, secret, at.Add(-30*time.Second)) && c != totpAt(t, secret, at) && c != totpAt(t, secret, at.Add(30*time.Second)) {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

// mustChallenge starts a sign-in of a user with 2FA on.
func (e *svcEnv) mustChallenge(t *testing.T, u account.User) string {
	t.Helper()
	body, err := e.svc.Begin(t.Context(), u, client)
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	m, _ := body.(map[string]any)
	id, _ := m["challengeId"].(string)
	if id == "" {
		t.Fatalf("begin: got %v, want a challenge", body)
	}
	return id
}

// code is the public code of err ("" for nil).
func code(err error) string {
	if err == nil {
		return ""
	}
	return account.AsError(err).Code
}

func countWith(list []string, sub string) int {
	n := 0
	for _, s := range list {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

func TestConfirmTOTP(t *testing.T) {
	e := newSvcEnv(t)
	tests := []struct {
		name string
		// code returns the code to confirm with, given the secret (none
		// when there is no set-up) and the caller.
		code      func(t *testing.T, secret string) string
		noSetup   bool
		enrolled  bool          // TOTP is on already
		wait      time.Duration // between start and confirm
		wantErr   error         // sentinel, or nil
		wantCode  string        // public code ("" for success)
		wantCodes int           // backup codes returned
	}{
		{name: "valid code turns the authenticator on with 10 backup codes", code: func(t *testing.T, s string) string { return totpAt(t, s, e.clock.Now()) }, wantCodes: 10},
		{name: "code of the previous step is accepted (skew)", code: func(t *testing.T, s string) string { return totpAt(t, s, e.clock.Now().Add(-30*time.Second)) }, wantCodes: 10},
		{name: "wrong code is ErrCodeInvalid", code: func(t *testing.T, s string) string { return wrongTOTP(t, s, e.clock.Now()) }, wantErr: twofactor.ErrCodeInvalid, wantCode: account.CodeCodeInvalid},
		{name: "code with letters is ErrCodeInvalid", code: func(*testing.T, string) string { return "12a456" }, wantErr: twofactor.ErrCodeInvalid, wantCode: account.CodeCodeInvalid},
		{name: "empty code is invalid", code: func(*testing.T, string) string { return "" }, wantCode: account.CodeValidation},
		{name: "too long code is invalid", code: func(*testing.T, string) string { return strings.Repeat("1", 17) }, wantCode: account.CodeValidation},
		{name: "no set-up in progress is code_expired", noSetup: true, code: func(*testing.T, string) string { return "123456" }, wantCode: account.CodeCodeExpired},
		{name: "set-up expired is code_expired", wait: twofactor.PendingTOTPTTL, code: func(t *testing.T, s string) string { return totpAt(t, s, e.clock.Now()) }, wantCode: account.CodeCodeExpired},
		{name: "authenticator already on is conflict", enrolled: true, code: func(*testing.T, string) string { return "123456" }, wantCode: account.CodeConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := e.mustUser(t, false)
			if tc.enrolled {
				_, _, p = e.mustTOTP(t, p)
			}
			secret := ""
			if !tc.noSetup && !tc.enrolled {
				secret = e.mustStartTOTP(t, p)
			}
			if tc.wait > 0 {
				e.clock.Advance(tc.wait)
			}
			codes, err := e.svc.ConfirmTOTP(t.Context(), p, tc.code(t, secret), false)
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error: got %v, want %v", err, tc.wantErr)
			}
			if got := code(err); got != tc.wantCode {
				t.Errorf("public code: got %q, want %q", got, tc.wantCode)
			}
			if got := len(codes); got != tc.wantCodes {
				t.Errorf("backup codes: got %d, want %d", got, tc.wantCodes)
			}
			u := e.principal(t, p).User
			wantOn := tc.wantCode == "" || tc.enrolled
			if got := u.TwoFactor.Enabled && len(u.TwoFactor.Methods) == 1 && u.TwoFactor.Methods[0] == twofactor.MethodTOTP; got != wantOn {
				t.Errorf("TOTP on: got %v (%+v), want %v", got, u.TwoFactor, wantOn)
			}
			wantMail := 0
			if wantOn {
				wantMail = 1
			}
			if got := countWith(e.mail.subjects(u.Email), "method added"); got != wantMail {
				t.Errorf("'method added' notices: got %d, want %d", got, wantMail)
			}
		})
	}
}

// Wrong confirmation codes are counted; at the limit every further try,
// even a right code, is ErrTooManyAttempts (429 too_many_attempts) with a
// Retry-After. A refused try is not counted.
func TestConfirmTOTPAttemptsRunOut(t *testing.T) {
	e := newSvcEnv(t)
	p := e.mustUser(t, false)
	secret := e.mustStartTOTP(t, p)
	for i := range svcLimit {
		_, err := e.svc.ConfirmTOTP(t.Context(), p, wrongTOTP(t, secret, e.clock.Now()), false)
		if !errors.Is(err, twofactor.ErrCodeInvalid) {
			t.Fatalf("wrong code %d: got %v, want %v", i+1, err, twofactor.ErrCodeInvalid)
		}
	}
	for i := range 2 {
		_, err := e.svc.ConfirmTOTP(t.Context(), p, totpAt(t, secret, e.clock.Now()), false)
		if !errors.Is(err, twofactor.ErrTooManyAttempts) {
			t.Fatalf("right code %d after %d wrong ones: got %v, want %v", i+1, svcLimit, err, twofactor.ErrTooManyAttempts)
		}
		if got := account.AsError(err); got.Code != account.CodeTooManyAttempts || got.RetryAfter <= 0 {
			t.Errorf("public error: got %q retry after %v, want %q with a retry", got.Code, got.RetryAfter, account.CodeTooManyAttempts)
		}
	}
	e.clock.Advance(time.Hour)
	if _, err := e.svc.ConfirmTOTP(t.Context(), p, totpAt(t, secret, e.clock.Now()), false); code(err) != account.CodeCodeExpired {
		t.Errorf("after the window: got %v, want %s (the set-up expired meanwhile)", err, account.CodeCodeExpired)
	}
}

func TestVerifyCode(t *testing.T) {
	e := newSvcEnv(t)
	tests := []struct {
		name string
		// try answers a fresh challenge of a user with TOTP on; step is
		// the time of the confirmation code.
		try        func(t *testing.T, id, secret string, step time.Time, backup []string) (string, error)
		wantErr    error
		wantCode   string
		wantReplay int // replay notices
	}{
		{name: "code of a later step signs in", try: func(t *testing.T, id, s string, step time.Time, _ []string) (string, error) {
			return e.svc.VerifyCode(t.Context(), client, id, twofactor.MethodTOTP, totpAt(t, s, step.Add(30*time.Second)))
		}},
		{name: "code of the confirmed step is a replay", try: func(t *testing.T, id, s string, step time.Time, _ []string) (string, error) {
			return e.svc.VerifyCode(t.Context(), client, id, twofactor.MethodTOTP, totpAt(t, s, step))
		}, wantErr: twofactor.ErrRefused, wantCode: account.CodeMFAInvalid, wantReplay: 1},
		{name: "wrong code is refused", try: func(t *testing.T, id, s string, step time.Time, _ []string) (string, error) {
			return e.svc.VerifyCode(t.Context(), client, id, twofactor.MethodTOTP, wrongTOTP(t, s, step))
		}, wantErr: twofactor.ErrRefused, wantCode: account.CodeMFAInvalid},
		{name: "challenge of another client is refused", try: func(t *testing.T, id, s string, step time.Time, _ []string) (string, error) {
			other := request.Source{IP: "198.51.100.7", UserAgent: client.UserAgent}
			return e.svc.VerifyCode(t.Context(), other, id, twofactor.MethodTOTP, totpAt(t, s, step.Add(30*time.Second)))
		}, wantErr: twofactor.ErrRefused, wantCode: account.CodeMFAInvalid},
		{name: "method not offered is refused", try: func(t *testing.T, id, _ string, _ time.Time, _ []string) (string, error) {
			return e.svc.VerifyCode(t.Context(), client, id, twofactor.MethodSMS, "123456")
		}, wantErr: twofactor.ErrRefused, wantCode: account.CodeMFAInvalid},
		{name: "backup code signs in", try: func(t *testing.T, id, _ string, _ time.Time, b []string) (string, error) {
			return e.svc.VerifyCode(t.Context(), client, id, twofactor.MethodBackupCode, strings.ToLower(b[0][:5]+"-"+b[0][5:]))
		}},
		{name: "malformed challenge id is invalid", try: func(t *testing.T, _, s string, step time.Time, _ []string) (string, error) {
			return e.svc.VerifyCode(t.Context(), client, "not-a-challenge", twofactor.MethodTOTP, totpAt(t, s, step.Add(30*time.Second)))
		}, wantCode: account.CodeValidation},
		{name: "unknown method is invalid", try: func(t *testing.T, id, _ string, _ time.Time, _ []string) (string, error) {
			return e.svc.VerifyCode(t.Context(), client, id, "email", "123456")
		}, wantCode: account.CodeValidation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			step := e.clock.Now()
			secret, backup, p := e.mustTOTP(t, e.mustUser(t, false))
			id := e.mustChallenge(t, p.User)
			uid, err := tc.try(t, id, secret, step, backup)
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error: got %v, want %v", err, tc.wantErr)
			}
			if got := code(err); got != tc.wantCode {
				t.Errorf("public code: got %q, want %q", got, tc.wantCode)
			}
			wantUID := ""
			if tc.wantCode == "" {
				wantUID = p.User.ID
			}
			if uid != wantUID {
				t.Errorf("user signed in: got %q, want %q", uid, wantUID)
			}
			if got := countWith(e.mail.subjects(p.User.Email), "used twice"); got != tc.wantReplay {
				t.Errorf("replay notices: got %d, want %d", got, tc.wantReplay)
			}
			if tc.wantCode == "" {
				// A challenge and a backup code work once.
				_, err := tc.try(t, id, secret, step, backup)
				if !errors.Is(err, twofactor.ErrRefused) {
					t.Errorf("second use: got %v, want %v", err, twofactor.ErrRefused)
				}
			}
		})
	}
}

// Wrong second factors are counted per user across challenges; a right
// one gives its attempt back; at the limit the next is ErrTooManyAttempts
// (429 rate_limited), and so is starting a new sign-in.
func TestVerifyCodeAttemptsRunOut(t *testing.T) {
	e := newSvcEnv(t)
	secret, _, p := e.mustTOTP(t, e.mustUser(t, false))
	wrong := func(t *testing.T, id string) error {
		t.Helper()
		_, err := e.svc.VerifyCode(t.Context(), client, id, twofactor.MethodTOTP, wrongTOTP(t, secret, e.clock.Now()))
		return err
	}
	for i := range svcLimit - 1 {
		if err := wrong(t, e.mustChallenge(t, p.User)); !errors.Is(err, twofactor.ErrRefused) {
			t.Fatalf("wrong code %d: got %v, want %v", i+1, err, twofactor.ErrRefused)
		}
	}
	e.clock.Advance(30 * time.Second)
	if _, err := e.svc.VerifyCode(t.Context(), client, e.mustChallenge(t, p.User), twofactor.MethodTOTP, totpAt(t, secret, e.clock.Now())); err != nil {
		t.Fatalf("right code after %d wrong ones: got %v, want nil", svcLimit-1, err)
	}
	id := e.mustChallenge(t, p.User)
	if err := wrong(t, id); !errors.Is(err, twofactor.ErrRefused) {
		t.Fatalf("wrong code %d (the right one was given back): got %v, want %v", svcLimit, err, twofactor.ErrRefused)
	}
	err := wrong(t, id)
	if !errors.Is(err, twofactor.ErrTooManyAttempts) {
		t.Fatalf("wrong code over the limit: got %v, want %v", err, twofactor.ErrTooManyAttempts)
	}
	if got := account.AsError(err); got.Code != account.CodeRateLimited || got.RetryAfter <= 0 {
		t.Errorf("public error: got %q retry after %v, want %q with a retry", got.Code, got.RetryAfter, account.CodeRateLimited)
	}
	if _, err := e.svc.Begin(t.Context(), p.User, client); !errors.Is(err, twofactor.ErrTooManyAttempts) {
		t.Errorf("new sign-in over the limit: got %v, want %v", err, twofactor.ErrTooManyAttempts)
	}
}

func TestRegenerateBackupCodes(t *testing.T) {
	e := newSvcEnv(t)
	tests := []struct {
		name          string
		enrolled      bool
		password      string
		stepUp        bool // send a current authenticator code
		wantCode      string
		wantRemaining int
	}{
		{name: "new codes replace the old ones", enrolled: true, password: svcPassword, stepUp: true, wantRemaining: 10},
		{name: "wrong password is refused and keeps the codes", enrolled: true, password: "not the password", stepUp: true, wantCode: account.CodeInvalidCreds, wantRemaining: 10},
		{name: "without a second factor is mfa_invalid and keeps the codes", enrolled: true, password: svcPassword, wantCode: account.CodeMFAInvalid, wantRemaining: 10},
		{name: "2FA off is conflict", password: svcPassword, wantCode: account.CodeConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := e.mustUser(t, false)
			var old []string
			var secret, stepUp string
			if tc.enrolled {
				secret, old, p = e.mustTOTP(t, p)
				e.clock.Advance(30 * time.Second) // the enrolment's code is used
			}
			if tc.stepUp {
				stepUp = totpAt(t, secret, e.clock.Now())
			}
			codes, err := e.svc.RegenerateBackupCodes(t.Context(), p, tc.password, account.StepUp{Code: stepUp}, false)
			if got := code(err); got != tc.wantCode {
				t.Fatalf("public code: got %q (%v), want %q", got, err, tc.wantCode)
			}
			wantNew := 0
			if tc.wantCode == "" {
				wantNew = 10
			}
			if len(codes) != wantNew {
				t.Errorf("codes returned: got %d, want %d", len(codes), wantNew)
			}
			st, err := e.svc.Status(t.Context(), e.principal(t, p).User)
			if err != nil {
				t.Fatalf("status: %v", err)
			}
			if st.BackupCodesRemaining != tc.wantRemaining {
				t.Errorf("codes remaining: got %d, want %d", st.BackupCodesRemaining, tc.wantRemaining)
			}
			if got := countWith(e.mail.subjects(p.User.Email), "new backup codes"); got != wantNew/10 {
				t.Errorf("'new backup codes' notices: got %d, want %d", got, wantNew/10)
			}
			if !tc.enrolled {
				return
			}
			// The old codes work until the new ones replace them.
			_, err = e.svc.VerifyCode(t.Context(), client, e.mustChallenge(t, p.User), twofactor.MethodBackupCode, old[0])
			if tc.wantCode == "" && !errors.Is(err, twofactor.ErrRefused) {
				t.Errorf("old code after regeneration: got %v, want %v", err, twofactor.ErrRefused)
			}
			if tc.wantCode != "" && err != nil {
				t.Errorf("old code, nothing regenerated: got %v, want nil", err)
			}
			if tc.wantCode != "" {
				return
			}
			if uid, err := e.svc.VerifyCode(t.Context(), client, e.mustChallenge(t, p.User), twofactor.MethodBackupCode, codes[0]); err != nil || uid != p.User.ID {
				t.Errorf("new code: got %q, %v, want %q, nil", uid, err, p.User.ID)
			}
		})
	}
}

func TestDisableFactor(t *testing.T) {
	e := newSvcEnv(t)
	tests := []struct {
		name        string
		sms         bool // SMS is on besides the authenticator
		disable     func(ctx context.Context, p sessions.Principal, pw string, f account.StepUp, revoke bool) error
		stepUp      string // "totp" (default), "backup" or "none"
		wantCode    string
		wantMethods []string
		wantCodes   int // backup codes left
	}{
		{name: "removing the last factor turns 2FA off and the backup codes with it", disable: e.svc.DisableTOTP, wantMethods: []string{}, wantCodes: 0},
		{name: "removing one of two factors keeps 2FA and the codes", sms: true, disable: e.svc.DisableTOTP, wantMethods: []string{twofactor.MethodSMS}, wantCodes: 10},
		{name: "removing SMS keeps the authenticator", sms: true, disable: e.svc.DisableSMS, wantMethods: []string{twofactor.MethodTOTP}, wantCodes: 10},
		{name: "a factor that is not on is not_found", disable: e.svc.DisableSMS, wantCode: account.CodeNotFound, wantMethods: []string{twofactor.MethodTOTP}, wantCodes: 10},
		{name: "a backup code as the second factor is consumed", sms: true, stepUp: "backup", disable: e.svc.DisableSMS, wantMethods: []string{twofactor.MethodTOTP}, wantCodes: 9},
		{name: "without a second factor is mfa_invalid and keeps the factor", stepUp: "none", disable: e.svc.DisableTOTP, wantCode: account.CodeMFAInvalid, wantMethods: []string{twofactor.MethodTOTP}, wantCodes: 10},
		{name: "a wrong second factor is mfa_invalid and keeps the factor", stepUp: "wrong", disable: e.svc.DisableTOTP, wantCode: account.CodeMFAInvalid, wantMethods: []string{twofactor.MethodTOTP}, wantCodes: 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			secret, backup, p := e.mustTOTP(t, e.mustUser(t, tc.sms))
			if tc.sms {
				if err := e.svc.EnableSMS(t.Context(), p, svcPassword, false); err != nil {
					t.Fatalf("enable sms: %v", err)
				}
				p = e.principal(t, p)
			}
			e.clock.Advance(30 * time.Second) // the enrolment's code is used
			stepUp := totpAt(t, secret, e.clock.Now())
			switch tc.stepUp {
			case "backup":
				stepUp = backup[0]
			case "none":
				stepUp = ""
			case "wrong":
				stepUp = wrongTOTP(t, secret, e.clock.Now())
			}
			err := tc.disable(t.Context(), p, svcPassword, account.StepUp{Code: stepUp}, false)
			if got := code(err); got != tc.wantCode {
				t.Fatalf("public code: got %q (%v), want %q", got, err, tc.wantCode)
			}
			u := e.principal(t, p).User
			if got := strings.Join(u.TwoFactor.Methods, ","); got != strings.Join(tc.wantMethods, ",") {
				t.Errorf("methods: got %q, want %q", got, strings.Join(tc.wantMethods, ","))
			}
			if got, want := u.TwoFactor.Enabled, len(tc.wantMethods) > 0; got != want {
				t.Errorf("2FA on: got %v, want %v", got, want)
			}
			st, err := e.svc.Status(t.Context(), u)
			if err != nil {
				t.Fatalf("status: %v", err)
			}
			if st.BackupCodesRemaining != tc.wantCodes {
				t.Errorf("backup codes: got %d, want %d", st.BackupCodesRemaining, tc.wantCodes)
			}
			wantNotice := 1
			if tc.wantCode != "" {
				wantNotice = 0
			}
			if got := countWith(e.mail.subjects(u.Email), "method removed"); got != wantNotice {
				t.Errorf("'method removed' notices: got %d, want %d", got, wantNotice)
			}
		})
	}
}

// Turning SMS on needs a verified phone; turning it on again changes
// nothing and sends no notice.
func TestEnableSMS(t *testing.T) {
	e := newSvcEnv(t)
	tests := []struct {
		name        string
		phone       bool
		twice       bool
		wantCode    string
		wantNotices int
	}{
		{name: "with a verified phone", phone: true, wantNotices: 1},
		{name: "again changes nothing", phone: true, twice: true, wantNotices: 1},
		{name: "without a phone is conflict", wantCode: account.CodeConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := e.mustUser(t, tc.phone)
			if tc.twice {
				if err := e.svc.EnableSMS(t.Context(), p, svcPassword, false); err != nil {
					t.Fatalf("first time: %v", err)
				}
				p = e.principal(t, p)
			}
			err := e.svc.EnableSMS(t.Context(), p, svcPassword, false)
			if got := code(err); got != tc.wantCode {
				t.Fatalf("public code: got %q (%v), want %q", got, err, tc.wantCode)
			}
			u := e.principal(t, p).User
			if got, want := u.TwoFactor.Enabled, tc.wantCode == ""; got != want {
				t.Errorf("2FA on: got %v, want %v", got, want)
			}
			if got := countWith(e.mail.subjects(u.Email), "method added"); got != tc.wantNotices {
				t.Errorf("'method added' notices: got %d, want %d", got, tc.wantNotices)
			}
		})
	}
}
