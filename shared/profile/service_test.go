package profile_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/app/mailwire"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/password/strength"
	"github.com/example/myprofile/shared/profile"
	"github.com/example/myprofile/shared/profile/basic"
	"github.com/example/myprofile/shared/sessions"
)

// mustUser reads a user record as stored.
func mustUser(t *testing.T, e *apptest.Env, id string) account.User {
	t.Helper()
	u, err := e.Deps.Store().GetUser(context.Background(), id)
	if err != nil {
		t.Fatalf("read user %s: %v", id, err)
	}
	return u
}

// mustPrincipal authenticates a session token as the middleware would.
func mustPrincipal(t *testing.T, e *apptest.Env, token string) sessions.Principal {
	t.Helper()
	p, err := e.Deps.Sessions().Authenticate(context.Background(), token)
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	return p
}

// wantCode fails unless err is an application error with code and, when
// field is not "", one naming field.
func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	e := account.AsError(err)
	if e.Code != code {
		t.Fatalf("code %q (%v), want %q", e.Code, err, code)
	}
	if field == "" {
		return
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("fields %+v do not name %q", e.Fields, field)
}

// Service.Patch called directly: the version check, validation and the
// stored result.
func TestServicePatch(t *testing.T) {
	e := apptest.New(t, nil)
	svc := &profile.Service{Store: e.Deps.Store(), Sessions: e.Deps.Sessions(), Now: e.Clock.Now}
	ctx := context.Background()
	// Every case reads the profile, another request then changes it, and
	// the patch is sent with If-Match made from what ifMatch chooses (the
	// version first read or the current one).
	first := func(read, _ account.User) string { return basic.ETag(read) }
	current := func(_, now account.User) string { return basic.ETag(now) }
	const star = "*"
	tests := []struct {
		name    string
		patch   string
		ifMatch func(read, now account.User) string
		// the error expected (nil: success, firstName becomes wantFirst)
		wantErr   error
		wantCode  string
		wantField string
		wantFirst string
	}{
		{name: "stale version is a precondition failure", patch: `{"firstName":"Grace"}`, ifMatch: first,
			wantErr: profile.ErrStale, wantCode: account.CodePrecondition},
		{name: "current version applies", patch: `{"firstName":"Grace"}`, ifMatch: current, wantFirst: "Grace"},
		{name: "star applies to any version", patch: `{"firstName":"Grace"}`,
			ifMatch: func(_, _ account.User) string { return star }, wantFirst: "Grace"},
		{name: "invalid member is refused by name", patch: `{"language":"xx-not-a-tag-at-all-really"}`, ifMatch: current,
			wantCode: account.CodeValidation, wantField: "language"},
		{name: "read-only member is refused by name", patch: `{"email":"x@example.com"}`, ifMatch: current,
			wantCode: account.CodeValidation, wantField: "email"},
		{name: "body that is not an object is refused", patch: `[1]`, ifMatch: current, wantCode: account.CodeValidation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := e.SignUp(nil).ID
			read := mustUser(t, e, id)
			// Another request changes the profile after it was read.
			moved, err := svc.Patch(ctx, read, []byte(`{"lastName":"Byron"}`), "")
			if err != nil {
				t.Fatalf("first patch: %v", err)
			}
			got, err := svc.Patch(ctx, moved, []byte(tc.patch), tc.ifMatch(read, moved))
			stored := mustUser(t, e, id)
			if tc.wantCode != "" {
				wantCode(t, err, tc.wantCode, tc.wantField)
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Errorf("got %v, want %v", err, tc.wantErr)
				}
				if stored.Version != moved.Version || stored.FirstName != "Ada" {
					t.Errorf("refused patch changed the profile: version %d first %q, want %d %q", stored.Version, stored.FirstName, moved.Version, "Ada")
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want success", err)
			}
			if got.FirstName != tc.wantFirst || stored.FirstName != tc.wantFirst {
				t.Errorf("first name returned %q, stored %q; want %q", got.FirstName, stored.FirstName, tc.wantFirst)
			}
			if stored.LastName != "Byron" {
				t.Errorf("last name %q: the concurrent change was lost", stored.LastName)
			}
			if got.Version != moved.Version+1 || stored.Version != got.Version {
				t.Errorf("version returned %d, stored %d; want %d", got.Version, stored.Version, moved.Version+1)
			}
		})
	}
}

// A patch without If-Match that loses a race to another write is applied
// again on the fresh record: neither change is lost.
func TestServicePatchRetriesOnRace(t *testing.T) {
	e := apptest.New(t, nil)
	svc := &profile.Service{Store: e.Deps.Store(), Sessions: e.Deps.Sessions(), Now: e.Clock.Now}
	ctx := context.Background()
	id := e.SignUp(nil).ID
	read := mustUser(t, e, id)
	if _, err := svc.Patch(ctx, read, []byte(`{"lastName":"Byron"}`), ""); err != nil {
		t.Fatal(err)
	}
	got, err := svc.Patch(ctx, read, []byte(`{"firstName":"Grace"}`), "")
	if err != nil {
		t.Fatalf("got %v, want success", err)
	}
	stored := mustUser(t, e, id)
	if stored.FirstName != "Grace" || stored.LastName != "Byron" || got.Version != read.Version+2 {
		t.Errorf("stored %q %q at version %d, want Grace Byron at %d", stored.FirstName, stored.LastName, got.Version, read.Version+2)
	}
}

// PasswordService.Change called directly.
func TestPasswordServiceChange(t *testing.T) {
	e := apptest.New(t, nil)
	d := e.Deps.Deps
	svc := &profile.PasswordService{
		Reauth: d.Reauth(), Hasher: d.Hasher, Policy: strength.FromConfig(d.Config, d.Metrics),
		Store: d.Store(), Sessions: d.Sessions(), Mailer: mailwire.Mailer(d), AppName: d.Config.AppName, Now: d.Now, Log: d.Log,
		Audit: d.Audit(),
	}
	const next = "Another-Horse-77-staple"
	tests := []struct {
		name          string
		current, next string
		wantCode      string
		wantField     string
		wantErr       error
	}{
		{name: "wrong current password", current: "Not-The-Password-1", next: next, wantCode: account.CodeInvalidCreds},
		{name: "empty current password", current: "", next: next, wantCode: account.CodeValidation, wantField: "currentPassword"},
		{name: "empty new password", current: apptest.DefaultPassword, next: "", wantCode: account.CodeValidation, wantField: "newPassword"},
		{name: "new password equal to the current", current: apptest.DefaultPassword, next: apptest.DefaultPassword, wantCode: account.CodeValidation, wantField: "newPassword"},
		{name: "new password too short", current: apptest.DefaultPassword, next: "Ab1-", wantCode: account.CodeValidation, wantField: "newPassword"},
		{name: "right current password changes it", current: apptest.DefaultPassword, next: next},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			u := e.SignUp(nil)
			other := e.Login(u.Email, u.Password)
			p := mustPrincipal(t, e, u.Token)
			err := svc.Change(ctx, p, tc.current, tc.next)
			_, otherErr := d.Sessions().Authenticate(ctx, other)
			if tc.wantCode != "" {
				wantCode(t, err, tc.wantCode, tc.wantField)
				if otherErr != nil {
					t.Errorf("a refused change signed out the other session: %v", otherErr)
				}
				e.Login(u.Email, u.Password) // the old password still works
				if n := len(e.Emails(u.Email)); n != 0 {
					t.Errorf("%d notices sent for a refused change", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want success", err)
			}
			if !errors.Is(otherErr, sessions.ErrInvalid) {
				t.Errorf("other session after the change: %v, want %v", otherErr, sessions.ErrInvalid)
			}
			if _, err := d.Sessions().Authenticate(ctx, u.Token); err != nil {
				t.Errorf("the session that changed it was signed out: %v", err)
			}
			e.Login(u.Email, next)
			if n := len(e.Emails(u.Email)); n != 1 {
				t.Errorf("%d notices sent, want 1", n)
			}
			page, err := d.Store().ListUserAudit(ctx, u.ID, "", 10)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, en := range page.Entries {
				if en.Action == audit.ActionPasswordChanged && en.Details["otherSessionsRevoked"] == "1" {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s entry with one other session revoked in %+v", audit.ActionPasswordChanged, page.Entries)
			}
		})
	}
}

// Two changes from the same read of the current password: one wins, the
// other is told the password changed meanwhile.
func TestPasswordServiceChangeRace(t *testing.T) {
	e := apptest.New(t, nil)
	d := e.Deps.Deps
	u := e.SignUp(nil)
	p := mustPrincipal(t, e, u.Token)
	ctx := context.Background()
	hash, err := d.Store().GetPasswordHash(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	svc := &profile.PasswordService{
		Reauth: fixedHash{hash}, Hasher: d.Hasher, Policy: strength.FromConfig(d.Config, d.Metrics),
		Store: d.Store(), Sessions: d.Sessions(), Mailer: mailwire.Mailer(d), AppName: d.Config.AppName, Now: d.Now, Log: d.Log,
	}
	if err := svc.Change(ctx, p, u.Password, "First-Winner-55-lamp"); err != nil {
		t.Fatalf("first change: %v", err)
	}
	err = svc.Change(ctx, p, u.Password, "Second-Loser-66-desk")
	if !errors.Is(err, profile.ErrPasswordRaced) {
		t.Fatalf("second change: got %v, want %v", err, profile.ErrPasswordRaced)
	}
	e.Login(u.Email, "First-Winner-55-lamp")
}

// fixedHash accepts any password as matching the hash read before the
// race, as two requests checking at the same time would.
type fixedHash struct{ hash string }

func (f fixedHash) Check(context.Context, account.User, string, string) error { return nil }
func (f fixedHash) CheckedHash(context.Context, account.User, string, string) (string, error) {
	return f.hash, nil
}

// Service.PreviewSignature called directly.
func TestPreviewSignature(t *testing.T) {
	svc := &profile.Service{}
	u := account.User{FirstName: "Ada", LastName: "Lovelace", DisplayName: "Ada Lovelace",
		Signature: account.Signature{HTML: "<p>Stored {{user.full_name}}</p>"}}
	draft := `<p>Draft {{user.full_name}}<script>alert(1)</script></p>`
	tooBig := "<p>" + strings.Repeat("x", profile.MaxSignatureBytes+1) + "</p>"
	tests := []struct {
		name      string
		draft     *string
		wantHTML  string
		wantField string
	}{
		{"stored signature when no draft", nil, "<p>Stored Ada Lovelace</p>", ""},
		{"draft is sanitized and filled", &draft, "<p>Draft Ada Lovelace</p>", ""},
		{"oversized draft is refused", &tooBig, "", "html"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, text, err := svc.PreviewSignature(context.Background(), u, tc.draft)
			if tc.wantField != "" {
				wantCode(t, err, account.CodeValidation, tc.wantField)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.wantHTML || text == "" {
				t.Errorf("got %q (text %q), want %q", got, text, tc.wantHTML)
			}
		})
	}
}
