package auth_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/auth"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/password"
	"github.com/example/myprofile/shared/password/strength"
	"github.com/example/myprofile/shared/ratelimit"
	"github.com/example/myprofile/shared/sessions"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/authdb"
)

// These tests call the service's methods directly, without HTTP, against
// DynamoDB Local.

const testPassword = "correct horse battery staple"

// newService builds the auth service on its own table; sign-in failures
// are limited to maxFailures an hour.
func newService(t *testing.T, maxFailures int) (*auth.Service, *store.Store) {
	t.Helper()
	db, table := testenv.DynamoDB(t)
	st := store.New(db, table)
	clock := &apptest.Clock{}
	clock.Set(time.Now().UTC())
	limiter := func(max int) ratelimit.Limiter {
		return ratelimit.Limiter{Store: st, Now: clock.Now, Window: time.Hour, Max: max}
	}
	return &auth.Service{
		Store: authdb.New(st), Sessions: &sessions.Service{Store: st, Now: clock.Now, IdleTTL: time.Hour, AbsoluteTTL: 24 * time.Hour},
		Hasher:        password.NewHasher(password.Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}),
		Policy:        strength.DefaultPolicy(false),
		Failures:      ratelimit.Fair{Store: st, Now: clock.Now, Window: time.Hour, Max: maxFailures},
		FailuresPerIP: ratelimit.Fair{Store: st, Now: clock.Now, Window: time.Hour, Max: 10 * maxFailures},
		Signups:       limiter(1000), SignupEnabled: true,
		Now: clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		SignupMails: limiter(1000), Resets: limiter(1000), ResetMails: limiter(1000),
		Keys: staticKey(bytes.Repeat([]byte{7}, 32)), Mailer: &mailbox{}, AppName: "Test",
	}, st
}

type staticKey []byte

func (k staticKey) DataKey(context.Context) ([]byte, error) { return k, nil }

// mailbox records the mails the service sends.
type mailbox struct {
	mu    sync.Mutex
	mails []notify.Email
}

func (m *mailbox) SendEmail(_ context.Context, e notify.Email) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mails = append(m.mails, e)
	return nil
}

var codeLine = regexp.MustCompile(`(?m)^(\d{6})$`)

// lastCode is the code in the newest mail to an address, if it has one.
func (m *mailbox) lastCode(to string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.mails) - 1; i >= 0; i-- {
		if m.mails[i].To == to {
			c := codeLine.FindStringSubmatch(m.mails[i].Text)
			if c == nil {
				return "", false
			}
			return c[1], true
		}
	}
	return "", false
}

// signUp is a whole sign-up: the request, the code from the mail, the
// confirmation.
func signUp(t *testing.T, s *auth.Service, in auth.SignUp) (account.User, sessions.Issued, error) {
	t.Helper()
	if _, err := s.RequestSignUp(t.Context(), in); err != nil {
		return account.User{}, sessions.Issued{}, err
	}
	email := account.NormalizeEmail(in.Email)
	code, ok := s.Mailer.(*mailbox).lastCode(email)
	if !ok {
		return account.User{}, sessions.Issued{}, errNoCode
	}
	return s.ConfirmSignUp(t.Context(), email, code)
}

var errNoCode = errors.New("no code mailed")

func mustSignUp(t *testing.T, s *auth.Service, email string) account.User {
	t.Helper()
	u, _, err := signUp(t, s, auth.SignUp{Email: email, Password: testPassword, FirstName: "Ada", LastName: "Lovelace"})
	if err != nil {
		t.Fatalf("sign up %s: %v", email, err)
	}
	return u
}

// fieldNames lists the fields an error names, in order, each once.
func fieldNames(err error) []string {
	var names []string
	for _, f := range account.AsError(err).Fields {
		names = append(names, f.Field)
	}
	return slices.Compact(names)
}

func TestSignUp(t *testing.T) {
	s, st := newService(t, 10)
	taken := mustSignUp(t, s, testenv.Email(t))
	valid := func(email string) auth.SignUp {
		return auth.SignUp{Email: email, Password: testPassword, FirstName: "Grace", LastName: "Hopper"}
	}
	tests := []struct {
		name       string
		in         func(email string) auth.SignUp
		want       error // sentinel the error wraps, with wantCode
		wantCode   string
		wantFields []string
	}{
		{name: "a valid sign-up", in: valid},
		{name: "every invalid field is named",
			in: func(string) auth.SignUp {
				return auth.SignUp{Email: "not an email", Password: "short", Language: "xx-not-a-language", Timezone: "Mars/Olympus"}
			},
			wantCode: account.CodeValidation, wantFields: []string{"email", "password", "firstName", "lastName", "language", "timezone"}},
		{name: "a password containing the email is refused",
			in:       func(email string) auth.SignUp { in := valid(email); in.Password = email + "-2024"; return in },
			wantCode: account.CodeValidation, wantFields: []string{"password"}},
		{name: "a common password with digits and a symbol appended is refused (issue 18)",
			in:       func(email string) auth.SignUp { in := valid(email); in.Password = "Password123!"; return in },
			wantCode: account.CodeValidation, wantFields: []string{"password"}},
		{name: "a keyboard row is refused",
			in:       func(email string) auth.SignUp { in := valid(email); in.Password = "Qwertyuiop1!"; return in },
			wantCode: account.CodeValidation, wantFields: []string{"password"}},
		{name: "a repeated letter is refused",
			in:       func(email string) auth.SignUp { in := valid(email); in.Password = "aaaaaaaaaaA1!"; return in },
			wantCode: account.CodeValidation, wantFields: []string{"password"}},
		{name: "a full-width local part is refused (issue 18)",
			in:       func(email string) auth.SignUp { return valid("ａｄａ@example.com") },
			wantCode: account.CodeValidation, wantFields: []string{"email"}},
		{name: "a zero-width space in the address is refused",
			in:       func(email string) auth.SignUp { return valid(strings.Replace(email, "@", "\u200b@", 1)) },
			wantCode: account.CodeValidation, wantFields: []string{"email"}},
		{name: "an IP-literal domain is refused",
			in:       func(string) auth.SignUp { return valid("ada@[192.0.2.1]") },
			wantCode: account.CodeValidation, wantFields: []string{"email"}},
		{name: "a non-ASCII local part is refused",
			in:       func(string) auth.SignUp { return valid("adá@example.com") },
			wantCode: account.CodeValidation, wantFields: []string{"email"}},
		{name: "an organization name with a control character",
			in:       func(email string) auth.SignUp { in := valid(email); in.OrgName = "\x00"; return in },
			wantCode: account.CodeValidation, wantFields: []string{"orgName"}},
		{name: "an email already registered, in other case, gets no code",
			in:   func(string) auth.SignUp { return valid("  " + upper(taken.Email)) },
			want: errNoCode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			email := testenv.Email(t)
			u, sess, err := signUp(t, s, tc.in(email))
			if tc.want != nil && tc.wantCode == "" {
				if !errors.Is(err, tc.want) {
					t.Errorf("got %v, want %v", err, tc.want)
				}
				return
			}
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				orgID, m, _ := u.CurrentOrg("")
				if u.Email != email || m.Role != account.RoleOwner || sess.Token == "" {
					t.Errorf("got user %s (role %q in %s), token %q; want %s owning its organization, and a session", u.Email, m.Role, orgID, sess.Token, email)
				}
				if u.EmailVerified == nil || !*u.EmailVerified {
					t.Errorf("a confirmed sign-up's address is not marked verified")
				}
				if id, err := st.LookupEmail(t.Context(), email); err != nil || id != u.ID {
					t.Errorf("stored email points to %q (%v), want %s", id, err, u.ID)
				}
				return
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
			if got := account.AsError(err).Code; err == nil || got != tc.wantCode || !slices.Equal(fieldNames(err), tc.wantFields) {
				t.Errorf("got %v (fields %v), want %s naming %v", err, fieldNames(err), tc.wantCode, tc.wantFields)
			}
		})
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func TestSignUpClosed(t *testing.T) {
	s, _ := newService(t, 10)
	s.SignupEnabled = false
	_, err := s.RequestSignUp(t.Context(), auth.SignUp{Email: testenv.Email(t), Password: testPassword, FirstName: "Ada", LastName: "Lovelace"})
	if !errors.Is(err, auth.ErrSignUpClosed) || account.AsError(err).Code != account.CodeForbidden {
		t.Errorf("got %v, want ErrSignUpClosed answered forbidden", err)
	}
}

func TestSignIn(t *testing.T) {
	s, _ := newService(t, 10)
	u := mustSignUp(t, s, testenv.Email(t))
	tests := []struct {
		name       string
		email, pw  string
		want       error
		wantCode   string
		wantFields []string
	}{
		{name: "the right password", email: u.Email, pw: testPassword},
		{name: "the email in other case and with spaces", email: " " + upper(u.Email) + " ", pw: testPassword},
		{name: "a wrong password", email: u.Email, pw: "wrong " + testPassword, want: auth.ErrBadCredentials, wantCode: account.CodeInvalidCreds},
		{name: "an unknown email", email: testenv.Email(t), pw: testPassword, want: auth.ErrBadCredentials, wantCode: account.CodeInvalidCreds},
		{name: "nothing given", wantCode: account.CodeValidation, wantFields: []string{"email", "password"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.SignIn(t.Context(), tc.email, tc.pw)
			if tc.wantCode == "" {
				if err != nil || got.Session.Token == "" || got.SecondStep != nil {
					t.Fatalf("got %+v, %v; want a session", got, err)
				}
				return
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
			if code := account.AsError(err).Code; err == nil || code != tc.wantCode || !slices.Equal(fieldNames(err), tc.wantFields) {
				t.Errorf("got %v (fields %v), want %s naming %v", err, fieldNames(err), tc.wantCode, tc.wantFields)
			}
		})
	}
}

// A wrong password and an unknown email are answered alike: a client
// cannot tell whether an email is registered.
func TestSignInDoesNotTellUnknownEmails(t *testing.T) {
	s, _ := newService(t, 10)
	u := mustSignUp(t, s, testenv.Email(t))
	_, wrongPw := s.SignIn(t.Context(), u.Email, "wrong "+testPassword)
	_, unknown := s.SignIn(t.Context(), testenv.Email(t), testPassword)
	a, b := account.AsError(wrongPw), account.AsError(unknown)
	if a.Code != b.Code || a.Detail != b.Detail || len(a.Fields) != len(b.Fields) || len(a.Extra) != len(b.Extra) {
		t.Errorf("wrong password: %v; unknown email: %v; want the same answer", wrongPw, unknown)
	}
}

// Failed sign-ins of an account are limited; the right password is then
// refused too, with the time to wait.
func TestSignInFailuresAreLimited(t *testing.T) {
	const limit = 3
	s, _ := newService(t, limit)
	u := mustSignUp(t, s, testenv.Email(t))
	for i := range limit {
		if _, err := s.SignIn(t.Context(), u.Email, "wrong "+testPassword); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("failure %d: got %v, want ErrBadCredentials", i+1, err)
		}
	}
	_, err := s.SignIn(t.Context(), u.Email, testPassword)
	if !errors.Is(err, auth.ErrRateLimited) || account.AsError(err).Code != account.CodeRateLimited || account.AsError(err).RetryAfter <= 0 {
		t.Errorf("right password after %d failures: got %v, want ErrRateLimited with RetryAfter", limit, err)
	}
}

func TestSignOut(t *testing.T) {
	s, st := newService(t, 10)
	u := mustSignUp(t, s, testenv.Email(t))
	in, err := s.SignIn(t.Context(), u.Email, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SignOut(t.Context(), u.ID, in.Session.ID); err != nil {
		t.Fatalf("sign out: %v", err)
	}
	if _, _, err := st.GetSessionWithUser(t.Context(), u.ID, in.Session.ID); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("session after sign-out: %v, want ErrNotFound", err)
	}
	if err := s.SignOut(t.Context(), u.ID, in.Session.ID); err != nil {
		t.Errorf("signing out again: %v, want no error", err)
	}
}
