package org_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/store"
)

// joinAs invites the existing account who into the organization of the
// caller with role and accepts it with who's session.
func joinAs(t *testing.T, e *apptest.Env, callerToken string, who apptest.User, role string) {
	t.Helper()
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/users", Token: callerToken,
		Body: map[string]any{"email": who.Email, "firstName": "Joe", "lastName": "Join", "role": role}})
	mails := e.Emails(who.Email)
	if len(mails) == 0 {
		t.Fatalf("no invitation email to %s", who.Email)
	}
	tok := tokenRE.FindString(mails[len(mails)-1].Text)
	if tok == "" {
		t.Fatalf("no token in the invitation email %q", mails[len(mails)-1].Text)
	}
	e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/auth/accept-invite", Token: who.Token, Body: map[string]any{"token": tok}})
}

func inOrg(orgID string) map[string]string { return map[string]string{"X-Organization-Id": orgID} }

func TestMyOrganizations(t *testing.T) {
	e := apptest.New(t, nil)
	owner := e.SignUp(map[string]any{"orgName": "Acme"})
	other := e.SignUp(map[string]any{"orgName": "Solo"})
	joinAs(t, e, owner.Token, other, "admin")
	var out struct {
		Organizations []struct {
			ID, Name, Role, JoinedAt string
		} `json:"organizations"`
	}
	e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/organizations", Token: other.Token}).Decode(t, &out)
	if len(out.Organizations) != 2 {
		t.Fatalf("organizations = %+v, want Solo and Acme", out.Organizations)
	}
	byID := map[string]struct{ ID, Name, Role, JoinedAt string }{}
	for _, o := range out.Organizations {
		byID[o.ID] = o
	}
	if o := byID[other.OrgID]; o.Name != "Solo" || o.Role != "owner" || o.JoinedAt == "" {
		t.Errorf("their own organization = %+v, want Solo as owner", o)
	}
	if o := byID[owner.OrgID]; o.Name != "Acme" || o.Role != "admin" || o.JoinedAt == "" {
		t.Errorf("the joined organization = %+v, want Acme as admin", o)
	}
	if res := e.Do(apptest.Req{Method: "GET", Path: "/v1/me/organizations"}); res.Status != http.StatusUnauthorized {
		t.Errorf("without a session: %d, want 401", res.Status)
	}
}

func TestRemoveMemberRules(t *testing.T) {
	cases := []struct {
		name     string
		actor    func(acme) string // token
		subject  func(acme) string // id
		want     int
		wantCode string
	}{
		{"an owner removes an admin", func(a acme) string { return a.owner.Token }, adminOf, http.StatusNoContent, ""},
		{"an owner removes a user", func(a acme) string { return a.owner.Token }, userIDOf, http.StatusNoContent, ""},
		{"an admin removes a user", func(a acme) string { return a.admin.Token }, userIDOf, http.StatusNoContent, ""},
		{"an admin may not remove the owner", func(a acme) string { return a.admin.Token }, ownerOf, http.StatusForbidden, "forbidden"},
		{"a user may not remove an admin", func(a acme) string { return a.user.Token }, adminOf, http.StatusForbidden, "forbidden"},
		{"the last owner cannot remove themselves", func(a acme) string { return a.owner.Token }, ownerOf, http.StatusConflict, "sole_owner"},
		{"an outsider is not found", func(a acme) string { return a.owner.Token }, outsiderOf, http.StatusNotFound, "not_found"},
		{"an unknown id is not found", func(a acme) string { return a.owner.Token }, func(acme) string { return "nobody" }, http.StatusNotFound, "not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newAcme(t)
			e := a.on(t)
			subject := c.subject(a)
			res := e.Do(apptest.Req{Method: "DELETE", Path: "/v1/organizations/" + a.owner.OrgID + "/members/" + subject, Token: c.actor(a)})
			if res.Status != c.want || (c.wantCode != "" && res.Code() != c.wantCode) {
				t.Fatalf("%d %s, want %d %s", res.Status, res.Body, c.want, c.wantCode)
			}
			member := getItem(t, e, store.OrgPK(a.owner.OrgID), store.MemberSK(subject))
			if c.wantCode != "" {
				if c.wantCode != "not_found" && !member {
					t.Fatal("a refused removal removed the member item")
				}
				return
			}
			if member {
				t.Fatal("the member item remains")
			}
			u, err := e.Deps.Store().GetUser(context.Background(), subject)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := u.Orgs[a.owner.OrgID]; ok {
				t.Fatalf("the user record still names the organization: %v", u.Orgs)
			}
			entries := auditActions(t, e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/organizations/" + a.owner.OrgID + "/audit", Token: a.owner.Token}))
			if x := findEntry(entries, "member.removed"); x == nil || x["subject"] != subject {
				t.Fatalf("no member.removed entry about %s: %v", subject, entries)
			}
		})
	}
	t.Run("an organization one is not in is not found", func(t *testing.T) {
		a := newAcme(t)
		e := a.on(t)
		res := e.Do(apptest.Req{Method: "DELETE", Path: "/v1/organizations/" + a.owner.OrgID + "/members/" + a.user.ID, Token: a.outsider.Token})
		if res.Status != http.StatusNotFound {
			t.Fatalf("%d %s, want 404", res.Status, res.Body)
		}
	})
}

func TestRemovedMemberLosesAccessAtOnce(t *testing.T) {
	e := apptest.New(t, nil)
	owner := e.SignUp(map[string]any{"orgName": "Acme"})
	member := e.SignUp(map[string]any{"orgName": "Home"})
	joinAs(t, e, owner.Token, member, "admin")
	e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/users", Token: member.Token, Header: inOrg(owner.OrgID)})

	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/organizations/" + owner.OrgID + "/members/" + member.ID, Token: owner.Token})

	for _, r := range []apptest.Req{
		{Method: "GET", Path: "/v1/users", Header: inOrg(owner.OrgID)},
		{Method: "GET", Path: "/v1/me", Header: inOrg(owner.OrgID)},
		{Method: "GET", Path: "/v1/users/" + owner.ID, Header: inOrg(owner.OrgID)},
	} {
		r.Token = member.Token
		if res := e.Do(r); res.Status != http.StatusNotFound {
			t.Errorf("%s %s in the organization left: %d %s, want 404", r.Method, r.Path, res.Status, res.Body)
		}
	}
	// The same session keeps working in their own organization.
	me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: member.Token}).JSON()
	if me["role"] != "owner" {
		t.Errorf("in their own organization: %v", me)
	}
	e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/users", Token: member.Token, Header: inOrg(member.OrgID)})
	var out struct {
		Organizations []struct{ ID string } `json:"organizations"`
	}
	e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/organizations", Token: member.Token}).Decode(t, &out)
	if len(out.Organizations) != 1 || out.Organizations[0].ID != member.OrgID {
		t.Errorf("organizations after removal = %+v, want only their own", out.Organizations)
	}
}

func TestLeave(t *testing.T) {
	t.Run("a user leaves", func(t *testing.T) {
		a := newAcme(t)
		e := a.on(t)
		e.Must(http.StatusNoContent, apptest.Req{Method: "POST", Path: "/v1/organizations/" + a.owner.OrgID + "/leave", Token: a.user.Token})
		if getItem(t, e, store.OrgPK(a.owner.OrgID), store.MemberSK(a.user.ID)) {
			t.Fatal("the member item remains")
		}
		entries := auditActions(t, e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/organizations/" + a.owner.OrgID + "/audit", Token: a.owner.Token}))
		if x := findEntry(entries, "member.left"); x == nil || x["subject"] != a.user.ID || x["actor"] != a.user.ID {
			t.Fatalf("no member.left entry: %v", entries)
		}
		if res := e.Do(apptest.Req{Method: "POST", Path: "/v1/organizations/" + a.owner.OrgID + "/leave", Token: a.user.Token}); res.Status != http.StatusNotFound {
			t.Fatalf("leaving again: %d, want 404", res.Status)
		}
	})
	t.Run("the last owner cannot leave", func(t *testing.T) {
		a := newAcme(t)
		e := a.on(t)
		res := e.Do(apptest.Req{Method: "POST", Path: "/v1/organizations/" + a.owner.OrgID + "/leave", Token: a.owner.Token})
		if res.Status != http.StatusConflict || res.Code() != "sole_owner" {
			t.Fatalf("%d %s, want 409 sole_owner", res.Status, res.Body)
		}
		if !getItem(t, e, store.OrgPK(a.owner.OrgID), store.MemberSK(a.owner.ID)) {
			t.Fatal("the refused owner left")
		}
	})
	t.Run("an owner leaves once another owner exists", func(t *testing.T) {
		a := newAcme(t)
		e := a.on(t)
		e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: "/v1/users/" + a.admin.ID + "/role", Token: a.owner.Token, Body: map[string]any{"role": "owner"}})
		e.Must(http.StatusNoContent, apptest.Req{Method: "POST", Path: "/v1/organizations/" + a.owner.OrgID + "/leave", Token: a.owner.Token})
	})
	t.Run("an outsider is not found", func(t *testing.T) {
		a := newAcme(t)
		res := a.on(t).Do(apptest.Req{Method: "POST", Path: "/v1/organizations/" + a.owner.OrgID + "/leave", Token: a.outsider.Token})
		if res.Status != http.StatusNotFound {
			t.Fatalf("%d, want 404", res.Status)
		}
	})
}

// Two co-owners of Acme (which has a third member) delete their accounts
// at the same time; each also owns an organization of their own. Either
// both stay, or exactly one is deleted and the other is exactly as before
// (still owner of Acme and of their own organization).
func TestConcurrentCoOwnerDeletions(t *testing.T) {
	for round := 0; round < 20; round++ {
		e := apptest.New(t, nil)
		a := e.SignUp(map[string]any{"orgName": "Acme"})
		b := e.SignUp(map[string]any{"orgName": "B's"})
		c := e.SignUp(map[string]any{"orgName": "C's"})
		joinAs(t, e, a.Token, b, "owner")
		joinAs(t, e, a.Token, c, "user")
		ctx := context.Background()
		st := e.Deps.Store()
		before := map[string]account.User{}
		for _, u := range []apptest.User{a, b} {
			x, err := st.GetUser(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			before[u.ID] = x
		}
		statuses := map[string]*apptest.Response{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, u := range []apptest.User{a, b} {
			wg.Add(1)
			go func(u apptest.User) {
				defer wg.Done()
				res := e.Do(apptest.Req{Method: "DELETE", Path: "/v1/me", Token: u.Token, Body: map[string]any{"password": u.Password, "confirm": "DELETE"}})
				mu.Lock()
				statuses[u.ID] = res
				mu.Unlock()
			}(u)
		}
		wg.Wait()
		deleted := 0
		for _, u := range []apptest.User{a, b} {
			res := statuses[u.ID]
			switch res.Status {
			case http.StatusNoContent:
				deleted++
				if _, err := st.GetUser(ctx, u.ID); err == nil {
					t.Fatalf("round %d: %s answered 204 but remains", round, u.Email)
				}
			case http.StatusConflict:
				after, err := st.GetUser(ctx, u.ID)
				if err != nil {
					t.Fatalf("round %d: refused account gone: %v", round, err)
				}
				if len(after.Orgs) != len(before[u.ID].Orgs) || after.Version != before[u.ID].Version {
					t.Fatalf("round %d: refused deletion changed the account: %v -> %v", round, before[u.ID].Orgs, after.Orgs)
				}
				for oid, m := range before[u.ID].Orgs {
					if after.Orgs[oid] != m || !getItem(t, e, store.OrgPK(oid), store.MemberSK(u.ID)) || !getItem(t, e, store.OrgPK(oid), store.SKOrg) {
						t.Fatalf("round %d: refused deletion lost its membership in %s", round, oid)
					}
				}
			default:
				t.Fatalf("round %d: %d %s", round, res.Status, res.Body)
			}
		}
		if deleted != 1 {
			t.Fatalf("round %d: %d deletions succeeded, want exactly 1 (c keeps Acme with an owner)", round, deleted)
		}
		roster, err := st.GetRoster(ctx, a.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		if roster.Owners() != 1 || len(roster.Members) != 2 {
			t.Fatalf("round %d: Acme has %d owners and %d members, want 1 and 2", round, roster.Owners(), len(roster.Members))
		}
	}
}
