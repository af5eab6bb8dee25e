package org_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/org"
)

// sendInvite invites email as the caller (in orgID, "" for the default)
// and returns the token from the email.
func sendInvite(t *testing.T, e *apptest.Env, callerToken, orgID, email, role string) string {
	t.Helper()
	req := apptest.Req{Method: "POST", Path: "/v1/users", Token: callerToken,
		Body: map[string]any{"email": email, "firstName": "Ivy", "lastName": "Invitee", "role": role}}
	if orgID != "" {
		req.Header = inOrg(orgID)
	}
	e.Must(http.StatusAccepted, req)
	mails := e.Emails(email)
	if len(mails) == 0 {
		t.Fatalf("no invitation email to %s", email)
	}
	tok := tokenRE.FindString(mails[len(mails)-1].Text)
	if tok == "" {
		t.Fatalf("no token in %q", mails[len(mails)-1].Text)
	}
	return tok
}

func acceptNew(e *apptest.Env, tok string) *apptest.Response {
	return e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/accept-invite", Body: map[string]any{"token": tok, "password": apptest.DefaultPassword}})
}

type listed struct {
	Invitations []struct {
		ID, Email, Role, InvitedBy, CreatedAt, ExpiresAt string
	} `json:"invitations"`
}

func TestListAndRevokeInvitations(t *testing.T) {
	a := newAcme(t)
	e := a.on(t)
	first, second := testenv.Email(t), testenv.Email(t)
	sendInvite(t, e, a.owner.Token, "", first, "admin")
	tok := sendInvite(t, e, a.admin.Token, "", second, "user")
	path := "/v1/organizations/" + a.owner.OrgID + "/invitations"

	var out listed
	e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: path, Token: a.admin.Token}).Decode(t, &out)
	if len(out.Invitations) != 2 {
		t.Fatalf("invitations = %+v, want 2", out.Invitations)
	}
	var revoked string
	for _, inv := range out.Invitations {
		switch inv.Email {
		case first:
			if inv.Role != "admin" || inv.InvitedBy != a.owner.ID || inv.CreatedAt == "" || inv.ExpiresAt == "" {
				t.Errorf("first invitation = %+v", inv)
			}
		case second:
			revoked = inv.ID
			if inv.Role != "user" || inv.InvitedBy != a.admin.ID {
				t.Errorf("second invitation = %+v", inv)
			}
		default:
			t.Errorf("unexpected invitation %+v", inv)
		}
	}
	t.Run("a user may not list", func(t *testing.T) {
		if res := e.Do(apptest.Req{Method: "GET", Path: path, Token: a.user.Token}); res.Status != http.StatusForbidden {
			t.Fatalf("%d, want 403", res.Status)
		}
		if res := e.Do(apptest.Req{Method: "GET", Path: path, Token: a.outsider.Token}); res.Status != http.StatusNotFound {
			t.Fatalf("outsider: %d, want 404", res.Status)
		}
	})
	t.Run("a user may not revoke", func(t *testing.T) {
		if res := e.Do(apptest.Req{Method: "DELETE", Path: path + "/" + revoked, Token: a.user.Token}); res.Status != http.StatusForbidden {
			t.Fatalf("%d, want 403", res.Status)
		}
	})
	t.Run("a revoked invitation stops working at once", func(t *testing.T) {
		e := a.on(t)
		e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: path + "/" + revoked, Token: a.owner.Token})
		if res := acceptNew(e, tok); res.Status != http.StatusBadRequest || res.Code() != "code_invalid" {
			t.Fatalf("accepting a revoked invitation: %d %s, want 400 code_invalid", res.Status, res.Body)
		}
		if _, err := e.Deps.Store().LookupEmail(context.Background(), second); !errors.Is(err, account.ErrNotFound) {
			t.Fatalf("an account exists for the revoked invitee: %v", err)
		}
		var after listed
		e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: path, Token: a.owner.Token}).Decode(t, &after)
		if len(after.Invitations) != 1 || after.Invitations[0].Email != first {
			t.Fatalf("after revoking: %+v", after.Invitations)
		}
		if res := e.Do(apptest.Req{Method: "DELETE", Path: path + "/" + revoked, Token: a.owner.Token}); res.Status != http.StatusNotFound {
			t.Fatalf("revoking again: %d, want 404", res.Status)
		}
		entries := auditActions(t, e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/organizations/" + a.owner.OrgID + "/audit", Token: a.owner.Token}))
		if findEntry(entries, "member.invite_revoked") == nil {
			t.Fatalf("no member.invite_revoked entry: %v", entries)
		}
	})
	t.Run("an accepted invitation leaves the listing", func(t *testing.T) {
		e := a.on(t)
		third := testenv.Email(t)
		tok := sendInvite(t, e, a.owner.Token, "", third, "user")
		if res := acceptNew(e, tok); res.Status != http.StatusOK {
			t.Fatalf("accept: %d %s", res.Status, res.Body)
		}
		var after listed
		e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: path, Token: a.owner.Token}).Decode(t, &after)
		for _, inv := range after.Invitations {
			if inv.Email == third {
				t.Fatalf("accepted invitation still listed: %+v", after.Invitations)
			}
		}
	})
}

// An invitation is void once its inviter may no longer make it: accepting
// it answers 410 invitation_void and creates nothing.
func TestVoidInvitations(t *testing.T) {
	cases := []struct {
		name   string
		revoke func(t *testing.T, a acme, e *apptest.Env) // takes the admin's right away
	}{
		{"the inviter was demoted", func(t *testing.T, a acme, e *apptest.Env) {
			e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: "/v1/users/" + a.admin.ID + "/role", Token: a.owner.Token, Body: map[string]any{"role": "user"}})
		}},
		{"the inviter was removed", func(t *testing.T, a acme, e *apptest.Env) {
			e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/organizations/" + a.owner.OrgID + "/members/" + a.admin.ID, Token: a.owner.Token})
		}},
		{"the inviter left", func(t *testing.T, a acme, e *apptest.Env) {
			e.Must(http.StatusNoContent, apptest.Req{Method: "POST", Path: "/v1/organizations/" + a.owner.OrgID + "/leave", Token: a.admin.Token})
		}},
		{"the inviter deleted their account", func(t *testing.T, a acme, e *apptest.Env) {
			e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me", Token: a.admin.Token, Body: map[string]any{"password": apptest.DefaultPassword, "confirm": "DELETE"}})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newAcme(t)
			e := a.on(t)
			accomplice := testenv.Email(t)
			tok := sendInvite(t, e, a.admin.Token, "", accomplice, "admin")
			c.revoke(t, a, e)
			res := acceptNew(e, tok)
			if res.Status != http.StatusGone || res.Code() != "invitation_void" {
				t.Fatalf("accepting: %d %s, want 410 invitation_void", res.Status, res.Body)
			}
			if _, err := e.Deps.Store().LookupEmail(context.Background(), accomplice); !errors.Is(err, account.ErrNotFound) {
				t.Fatalf("an account was created for a void invitation: %v", err)
			}
			if len(itemsWith(t, e, accomplice)) != 0 {
				t.Fatalf("items remain for the void invitation: %v", itemsWith(t, e, accomplice))
			}
		})
	}
	t.Run("an invitation the inviter may still make is accepted", func(t *testing.T) {
		a := newAcme(t)
		e := a.on(t)
		tok := sendInvite(t, e, a.admin.Token, "", testenv.Email(t), "user")
		// Demoted from admin to user: may no longer invite at all.
		e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: "/v1/users/" + a.admin.ID + "/role", Token: a.owner.Token, Body: map[string]any{"role": "owner"}})
		if res := acceptNew(e, tok); res.Status != http.StatusOK {
			t.Fatalf("accepting after a promotion: %d %s", res.Status, res.Body)
		}
	})
	t.Run("signed in, a void invitation is refused too", func(t *testing.T) {
		a := newAcme(t)
		e := a.on(t)
		tok := sendInvite(t, e, a.admin.Token, "", a.outsider.Email, "admin")
		e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: "/v1/users/" + a.admin.ID + "/role", Token: a.owner.Token, Body: map[string]any{"role": "user"}})
		res := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/accept-invite", Token: a.outsider.Token, Body: map[string]any{"token": tok}})
		if res.Status != http.StatusGone || res.Code() != "invitation_void" {
			t.Fatalf("%d %s, want 410 invitation_void", res.Status, res.Body)
		}
		u := userOf(t, a, a.outsider.ID)
		if _, ok := u.Orgs[a.owner.OrgID]; ok {
			t.Fatal("the outsider joined through a void invitation")
		}
	})
}

func TestInvitationsPerRecipientPerDay(t *testing.T) {
	e := apptest.New(t, nil)
	target := testenv.Email(t)
	for i := 0; i < 3; i++ {
		inviter := e.SignUp(nil)
		sendInvite(t, e, inviter.Token, "", target, "user")
	}
	inviter := e.SignUp(nil)
	res := e.Do(apptest.Req{Method: "POST", Path: "/v1/users", Token: inviter.Token,
		Body: map[string]any{"email": target, "firstName": "Ivy", "lastName": "Invitee", "role": "user"}})
	if res.Status != http.StatusTooManyRequests || res.Code() != "rate_limited" {
		t.Fatalf("fourth invitation to one address: %d %s, want 429 rate_limited", res.Status, res.Body)
	}
	if n := len(e.Emails(target)); n != 3 {
		t.Fatalf("emails to the address = %d, want 3", n)
	}
	// Another address is not affected.
	sendInvite(t, e, inviter.Token, "", testenv.Email(t), "user")
}

func TestInvitationMailShowsNamesAsPlainText(t *testing.T) {
	e := apptest.New(t, nil)
	long := "Login at https://evil.example/reset now " + strings.Repeat("x", 60)
	inviter := e.SignUp(map[string]any{"orgName": long})
	e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: inviter.Token, Body: map[string]any{"displayName": "support@evil.example"}})
	to := testenv.Email(t)
	sendInvite(t, e, inviter.Token, "", to, "user")
	m := e.Emails(to)[0]
	for _, part := range []string{m.Subject, m.Text, m.HTML} {
		for _, bad := range []string{"evil.example", "https://", "support@", "<a "} {
			if strings.Contains(part, bad) {
				t.Errorf("the email contains %q, which a mail client could link: %q", bad, part)
			}
		}
		if strings.Contains(part, strings.Repeat("x", 41)) {
			t.Errorf("a long organization name is not cut: %q", part)
		}
	}
	if !strings.Contains(m.Text, org.PlainName("support@evil.example")) {
		t.Errorf("the inviter's name is missing from %q", m.Text)
	}
}

func TestPlainName(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"a plain name is unchanged", "Acme Corp", "Acme Corp"},
		{"lines are joined", "Acme\nClick here", "Acme Click here"},
		{"a domain is broken", "evil.example", "evil\u2024example"},
		{"a long name is cut", strings.Repeat("a", 50), strings.Repeat("a", org.MaxNameInMail) + "…"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := org.PlainName(c.in); got != c.want {
				t.Fatalf("PlainName(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestInvitationExpiryIsConfigurable(t *testing.T) {
	a := newAcme(t)
	s := *a.e.Deps.Org()
	s.InviteExpiry = time.Hour
	owner := userOf(t, a, a.owner.ID)
	inv, err := s.Invite(context.Background(), owner, "", org.Invitee{Email: testenv.Email(t), FirstName: "Ivy", LastName: "Invitee", Role: "user"})
	if err != nil {
		t.Fatal(err)
	}
	if got := inv.ExpiresAt.Sub(a.e.Clock.Now()); got < time.Hour-time.Second || got > time.Hour+time.Second {
		t.Fatalf("expires in %v, want 1h", got)
	}
}
