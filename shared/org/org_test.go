package org_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/sessions"
	"github.com/example/myprofile/shared/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var tokenRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[A-Za-z0-9_-]{43}`)

type member struct {
	ID, Email, Token string
}

// invite invites someone as caller and accepts with the token from the
// invitation email, as the invitee would.
func invite(t *testing.T, e *apptest.Env, callerToken, role string) member {
	t.Helper()
	email := testenv.Email(t)
	res := e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/users", Token: callerToken,
		Body: map[string]any{"email": email, "firstName": "Ann", "lastName": strings.ToUpper(role[:1]) + role[1:], "role": role}})
	if got, _ := res.JSON()["invitation"].(map[string]any); got["role"] != role || got["email"] != email {
		t.Fatalf("invitation = %s, want role %s", res.Body, role)
	}
	mails := e.Emails(email)
	if len(mails) != 1 {
		t.Fatalf("invitation emails to %s = %d, want 1", email, len(mails))
	}
	tok := tokenRE.FindString(mails[0].Text)
	if tok == "" || !strings.Contains(mails[0].HTML, tok) {
		t.Fatalf("no invitation token in the email %q", mails[0].Text)
	}
	acc := e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/auth/accept-invite", Body: map[string]any{"token": tok, "password": apptest.DefaultPassword}})
	var out struct {
		Session struct {
			Token string `json:"token"`
		} `json:"session"`
	}
	acc.Decode(t, &out)
	if out.Session.Token == "" {
		t.Fatalf("accept-invite gave no session: %s", acc.Body)
	}
	// The invitation reached the address: accepting it proves it, no code.
	prof := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: out.Session.Token})
	if prof.JSON()["emailVerified"] != true {
		t.Errorf("an invited account's address is not verified: %s", prof.Body)
	}
	again := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/accept-invite", Body: map[string]any{"token": tok, "password": apptest.DefaultPassword}})
	if again.Status != http.StatusBadRequest || again.Code() != "code_invalid" {
		t.Fatalf("second use of an invitation: %d %s, want 400 code_invalid", again.Status, again.Body)
	}
	me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: out.Session.Token}).JSON()
	id, _ := me["id"].(string)
	if me["email"] != email || me["role"] != role || me["firstName"] != "Ann" {
		t.Fatalf("the invited account after accepting: %v", me)
	}
	return member{ID: id, Email: email, Token: out.Session.Token}
}

// itemsWith scans the whole table (tests only) for items whose keys or
// attributes mention s anywhere.
func itemsWith(t *testing.T, e *apptest.Env, s string) []string {
	t.Helper()
	db := e.Deps.DB.(*dynamodb.Client)
	var found []string
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(e.Table)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		for _, it := range page.Items {
			if mentions(&ddbtypes.AttributeValueMemberM{Value: it}, s) {
				found = append(found, describe(it))
			}
		}
	}
	return found
}

func mentions(v ddbtypes.AttributeValue, s string) bool {
	switch x := v.(type) {
	case *ddbtypes.AttributeValueMemberS:
		return strings.Contains(x.Value, s)
	case *ddbtypes.AttributeValueMemberM:
		for k, vv := range x.Value {
			if strings.Contains(k, s) || mentions(vv, s) {
				return true
			}
		}
	case *ddbtypes.AttributeValueMemberL:
		for _, vv := range x.Value {
			if mentions(vv, s) {
				return true
			}
		}
	case *ddbtypes.AttributeValueMemberSS:
		for _, vv := range x.Value {
			if strings.Contains(vv, s) {
				return true
			}
		}
	}
	return false
}

func describe(it map[string]ddbtypes.AttributeValue) string {
	pk, _ := it["pk"].(*ddbtypes.AttributeValueMemberS)
	sk, _ := it["sk"].(*ddbtypes.AttributeValueMemberS)
	if pk == nil || sk == nil {
		return fmt.Sprint(it)
	}
	return pk.Value + " / " + sk.Value
}

func getItem(t *testing.T, e *apptest.Env, pk, sk string) bool {
	t.Helper()
	out, err := e.Deps.DB.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(e.Table),
		Key: map[string]ddbtypes.AttributeValue{"pk": store.S(pk), "sk": store.S(sk)}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("get %s/%s: %v", pk, sk, err)
	}
	return out.Item != nil
}

func auditActions(t *testing.T, res *apptest.Response) []map[string]any {
	t.Helper()
	var out struct {
		Entries []map[string]any `json:"entries"`
	}
	res.Decode(t, &out)
	return out.Entries
}

func findEntry(entries []map[string]any, action string) map[string]any {
	for _, x := range entries {
		if x["action"] == action {
			return x
		}
	}
	return nil
}

// acme is an organization, Acme, with its owner, an admin the owner
// invited and a user the admin invited, beside an outsider who signed up
// on their own. Each test makes its own; the subtests of a test share it
// but none relies on what another did, so any one runs alone.
type acme struct {
	e        *apptest.Env
	owner    apptest.User
	admin    member
	user     member
	outsider apptest.User
}

func newAcme(t *testing.T) acme {
	t.Helper()
	e := apptest.New(t, nil)
	owner := e.SignUp(map[string]any{"orgName": "Acme"})
	admin := invite(t, e, owner.Token, "admin")
	user := invite(t, e, admin.Token, "user")
	return acme{e: e, owner: owner, admin: admin, user: user, outsider: e.SignUp(nil)}
}

// on is the environment reporting to t (a subtest's own).
func (a acme) on(t *testing.T) *apptest.Env { return a.e.For(t) }

func TestInvitationRights(t *testing.T) {
	a := newAcme(t)
	t.Run("an admin cannot invite an owner", func(t *testing.T) {
		res := a.on(t).Do(apptest.Req{Method: "POST", Path: "/v1/users", Token: a.admin.Token,
			Body: map[string]any{"email": testenv.Email(t), "firstName": "X", "lastName": "Y", "role": "owner"}})
		if res.Status != http.StatusForbidden {
			t.Fatalf("status %d, want 403: %s", res.Status, res.Body)
		}
	})
	t.Run("a plain user cannot invite", func(t *testing.T) {
		res := a.on(t).Do(apptest.Req{Method: "POST", Path: "/v1/users", Token: a.user.Token,
			Body: map[string]any{"email": testenv.Email(t), "firstName": "X", "lastName": "Y", "role": "user"}})
		if res.Status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", res.Status)
		}
	})
	t.Run("invited members sign in with the password they chose", func(t *testing.T) {
		e := a.on(t)
		tok := e.Login(a.user.Email, apptest.DefaultPassword)
		me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: tok}).JSON()
		if me["organizationId"] != a.owner.OrgID || me["role"] != "user" {
			t.Fatalf("invited user's profile = %v", me)
		}
	})
}

func TestStaffProfiles(t *testing.T) {
	a := newAcme(t)
	t.Run("an admin edits a user's name", func(t *testing.T) {
		e := a.on(t)
		res := e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/users/" + a.user.ID, Token: a.admin.Token,
			Body: map[string]any{"firstName": "Renamed"}})
		if res.JSON()["firstName"] != "Renamed" {
			t.Fatalf("firstName = %v", res.JSON()["firstName"])
		}
		me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: a.user.Token}).JSON()
		if me["firstName"] != "Renamed" {
			t.Fatalf("the user sees firstName %v", me["firstName"])
		}
	})
	t.Run("an admin cannot change email or phone of others", func(t *testing.T) {
		e := a.on(t)
		for _, field := range []string{"email", "phone", "twoFactor", "timezone"} {
			res := e.Do(apptest.Req{Method: "PATCH", Path: "/v1/users/" + a.user.ID, Token: a.admin.Token, Body: map[string]any{field: "x"}})
			if res.Status != http.StatusBadRequest || res.Code() != "validation_failed" {
				t.Errorf("PATCH %s: %d %s, want 400 validation_failed", field, res.Status, res.Body)
			}
		}
	})
	t.Run("a stale If-Match is refused", func(t *testing.T) {
		e := a.on(t)
		path := "/v1/users/" + a.user.ID
		stale := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: path, Token: a.admin.Token}).Header.Get("ETag")
		e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: path, Token: a.admin.Token,
			Header: map[string]string{"If-Match": stale}, Body: map[string]any{"lastName": "Y"}})
		res := e.Do(apptest.Req{Method: "PATCH", Path: path, Token: a.admin.Token,
			Header: map[string]string{"If-Match": stale}, Body: map[string]any{"lastName": "Z"}})
		if res.Status != http.StatusPreconditionFailed {
			t.Fatalf("status %d, want 412", res.Status)
		}
	})
	t.Run("a user cannot edit or read the admin", func(t *testing.T) {
		e := a.on(t)
		res := e.Do(apptest.Req{Method: "PATCH", Path: "/v1/users/" + a.admin.ID, Token: a.user.Token, Body: map[string]any{"firstName": "Hacked"}})
		if res.Status != http.StatusForbidden || res.Code() != "forbidden" {
			t.Fatalf("PATCH: %d %s, want 403 forbidden", res.Status, res.Body)
		}
		if res := e.Do(apptest.Req{Method: "GET", Path: "/v1/users/" + a.admin.ID, Token: a.user.Token}); res.Status != http.StatusForbidden {
			t.Fatalf("GET: %d, want 403", res.Status)
		}
		if res := e.Do(apptest.Req{Method: "GET", Path: "/v1/users", Token: a.user.Token}); res.Status != http.StatusForbidden {
			t.Fatalf("list: %d, want 403", res.Status)
		}
	})
	t.Run("a user can read and edit themselves here", func(t *testing.T) {
		e := a.on(t)
		e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/users/" + a.user.ID, Token: a.user.Token})
		e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/users/" + a.user.ID, Token: a.user.Token, Body: map[string]any{"displayName": "Me"}})
	})
	t.Run("another organization's members are not found", func(t *testing.T) {
		e := a.on(t)
		for _, tok := range []string{a.user.Token, a.admin.Token, a.owner.Token} {
			if res := e.Do(apptest.Req{Method: "GET", Path: "/v1/users/" + a.outsider.ID, Token: tok}); res.Status != http.StatusNotFound {
				t.Errorf("GET outsider: %d, want 404", res.Status)
			}
			if res := e.Do(apptest.Req{Method: "GET", Path: "/v1/users", Token: tok, Header: map[string]string{"X-Organization-Id": a.outsider.OrgID}}); res.Status != http.StatusNotFound {
				t.Errorf("list another organization: %d, want 404", res.Status)
			}
		}
		if res := e.Do(apptest.Req{Method: "PATCH", Path: "/v1/users/" + a.user.ID, Token: a.outsider.Token, Body: map[string]any{"firstName": "X"}}); res.Status != http.StatusNotFound {
			t.Errorf("outsider PATCH: %d, want 404", res.Status)
		}
	})
}

func TestStaffListing(t *testing.T) {
	a := newAcme(t)
	t.Run("pages cover every member once", func(t *testing.T) {
		e := a.on(t)
		first := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/users?limit=2", Token: a.admin.Token}).JSON()
		users, _ := first["users"].([]any)
		next, _ := first["nextCursor"].(string)
		if len(users) != 2 || next == "" {
			t.Fatalf("first page: %d users, cursor %q", len(users), next)
		}
		second := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/users?limit=2&cursor=" + next, Token: a.admin.Token}).JSON()
		more, _ := second["users"].([]any)
		seen := map[string]bool{}
		for _, u := range append(users, more...) {
			seen[u.(map[string]any)["id"].(string)] = true
		}
		if !seen[a.owner.ID] || !seen[a.admin.ID] || !seen[a.user.ID] || len(seen) != 3 {
			t.Fatalf("members seen: %v", seen)
		}
	})
	t.Run("a cursor it did not issue is refused", func(t *testing.T) {
		if res := a.on(t).Do(apptest.Req{Method: "GET", Path: "/v1/users?cursor=bogus", Token: a.admin.Token}); res.Status != http.StatusBadRequest {
			t.Fatalf("bogus cursor: %d, want 400", res.Status)
		}
	})
}

func TestRoleChanges(t *testing.T) {
	a := newAcme(t)
	setRole := func(e *apptest.Env, token, id, role string) *apptest.Response {
		return e.Do(apptest.Req{Method: "PUT", Path: "/v1/users/" + id + "/role", Token: token, Body: map[string]any{"role": role}})
	}
	t.Run("an admin cannot change a role", func(t *testing.T) {
		if res := setRole(a.on(t), a.admin.Token, a.user.ID, "admin"); res.Status != http.StatusForbidden {
			t.Fatalf("admin changes a role: %d, want 403", res.Status)
		}
	})
	t.Run("the sole owner cannot demote themselves", func(t *testing.T) {
		res := setRole(a.on(t), a.owner.Token, a.owner.ID, "admin")
		if res.Status != http.StatusConflict || res.Code() != "sole_owner" {
			t.Fatalf("sole owner demotes themselves: %d %s, want 409 sole_owner", res.Status, res.Body)
		}
	})
	t.Run("an unknown role is refused", func(t *testing.T) {
		if res := setRole(a.on(t), a.owner.Token, a.user.ID, "boss"); res.Status != http.StatusBadRequest {
			t.Fatalf("unknown role: %d, want 400", res.Status)
		}
	})
	t.Run("an owner promotes the admin to owner", func(t *testing.T) {
		b := newAcme(t) // a role that changes is this subtest's own
		e := b.on(t)
		res := setRole(e, b.owner.Token, b.admin.ID, "owner")
		if res.Status != http.StatusOK || res.JSON()["role"] != "owner" || res.JSON()["id"] != b.admin.ID {
			t.Fatalf("promotion: %d %s", res.Status, res.Body)
		}
		me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: b.admin.Token}).JSON()
		if me["role"] != "owner" {
			t.Fatalf("the promoted admin's role: %v", me["role"])
		}
		log := auditActions(t, e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/audit", Token: b.admin.Token}))
		x := findEntry(log, audit.ActionRoleChanged)
		if d, _ := x["details"].(map[string]any); x == nil || x["actor"] != b.owner.ID || d["from"] != "admin" || d["to"] != "owner" {
			t.Fatalf("no role change admin -> owner by the owner in %v", log)
		}
	})
}

func TestAuditListings(t *testing.T) {
	a := newAcme(t)
	// edit renames the user as the admin and returns the request id.
	edit := func(e *apptest.Env) string {
		res := e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/users/" + a.user.ID, Token: a.admin.Token,
			Body: map[string]any{"firstName": "Renamed"}})
		id := res.Header.Get("X-Request-Id")
		if id == "" {
			e.T.Fatalf("no X-Request-Id on the answer")
		}
		return id
	}
	t.Run("the user's audit log shows the admin's edit", func(t *testing.T) {
		e := a.on(t)
		reqID := edit(e)
		entries := auditActions(t, e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/audit", Token: a.user.Token}))
		x := findEntry(entries, audit.ActionProfileEdited)
		if x == nil || x["actor"] != a.admin.ID || x["subject"] != a.user.ID {
			t.Fatalf("no profile edit by the admin in %v", entries)
		}
		if got, ok := x["requestId"].(string); !ok || got == "" || got != reqID {
			t.Errorf("requestId = %#v, want the edit's request id %q", x["requestId"], reqID)
		}
		if ip, ok := x["ipAddress"]; ok {
			t.Errorf("the user sees the admin's IP address %v", ip)
		}
	})
	t.Run("only owners read the organization's audit log", func(t *testing.T) {
		e := a.on(t)
		edit(e)
		entries := auditActions(t, e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/organizations/" + a.owner.OrgID + "/audit", Token: a.owner.Token}))
		if findEntry(entries, audit.ActionMemberInvited) == nil || findEntry(entries, audit.ActionProfileEdited) == nil {
			t.Fatalf("organization log lacks invitations or edits: %v", entries)
		}
		if x := findEntry(entries, audit.ActionProfileEdited); x["ipAddress"] == nil || x["ipAddress"] == "" {
			t.Errorf("owners see the client IP of each change: %v", x)
		}
		if res := e.Do(apptest.Req{Method: "GET", Path: "/v1/organizations/" + a.owner.OrgID + "/audit", Token: a.admin.Token}); res.Status != http.StatusForbidden {
			t.Fatalf("admin: %d, want 403", res.Status)
		}
		if res := e.Do(apptest.Req{Method: "GET", Path: "/v1/organizations/" + a.owner.OrgID + "/audit", Token: a.outsider.Token}); res.Status != http.StatusNotFound {
			t.Fatalf("outsider: %d, want 404", res.Status)
		}
	})
}

func TestDeletionRefusals(t *testing.T) {
	a := newAcme(t)
	del := func(e *apptest.Env, password, confirm string) *apptest.Response {
		return e.Do(apptest.Req{Method: "DELETE", Path: "/v1/me", Token: a.owner.Token, Body: map[string]any{"password": password, "confirm": confirm}})
	}
	t.Run("deletion needs the password and the confirmation", func(t *testing.T) {
		e := a.on(t)
		if res := del(e, a.owner.Password, "yes"); res.Status != http.StatusBadRequest {
			t.Fatalf("bad confirm: %d, want 400", res.Status)
		}
		if res := del(e, "Wrong-password-1", "DELETE"); res.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d, want 401", res.Status)
		}
	})
	t.Run("the sole owner cannot delete their account", func(t *testing.T) {
		res := del(a.on(t), a.owner.Password, "DELETE")
		if res.Status != http.StatusConflict || res.Code() != "sole_owner" {
			t.Fatalf("%d %s, want 409 sole_owner", res.Status, res.Body)
		}
		orgs, _ := res.JSON()["organizations"].([]any)
		if len(orgs) != 1 || orgs[0].(map[string]any)["id"] != a.owner.OrgID || orgs[0].(map[string]any)["name"] != "Acme" {
			t.Fatalf("organizations = %v, want Acme", orgs)
		}
	})
}

// handedOver is Acme after its owner made the admin owner and deleted
// their account; before lists the items that named the owner until then.
func handedOver(t *testing.T) (acme, []string) {
	t.Helper()
	a := newAcme(t)
	e := a.on(t)
	e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: "/v1/users/" + a.admin.ID + "/role", Token: a.owner.Token, Body: map[string]any{"role": "owner"}})
	before := itemsWith(t, e, a.owner.ID)
	if len(before) < 5 {
		t.Fatalf("items with the owner's id before deletion: %v", before)
	}
	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me", Token: a.owner.Token, Body: map[string]any{"password": a.owner.Password, "confirm": "DELETE"}})
	return a, before
}

// Once ownership moved to the admin, the old owner may leave.
func TestDeletingAnOwnerWhoHandedOver(t *testing.T) {
	a, before := handedOver(t)
	owner := a.owner
	t.Run("no item with the old id remains", func(t *testing.T) {
		e := a.on(t)
		if after := itemsWith(t, e, owner.ID); len(after) != 0 {
			t.Fatalf("items still naming the deleted user: %v (before: %v)", after, before)
		}
		if getItem(t, e, store.EmailPK(owner.Email), "EMAIL") {
			t.Error("the email uniqueness item remains")
		}
		if getItem(t, e, store.OrgPK(owner.OrgID), store.MemberSK(owner.ID)) {
			t.Error("the membership item remains")
		}
	})
	t.Run("the session of the deleted account is gone", func(t *testing.T) {
		if res := a.on(t).Do(apptest.Req{Method: "GET", Path: "/v1/me", Token: owner.Token}); res.Status != http.StatusUnauthorized {
			t.Fatalf("GET /v1/me: %d, want 401", res.Status)
		}
	})
	t.Run("audit entries remain with the actor anonymized", func(t *testing.T) {
		e := a.on(t)
		pseudonym := audit.Pseudonym(e.Deps.Org().PseudonymKey, owner.ID)
		entries := auditActions(t, e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/organizations/" + owner.OrgID + "/audit?limit=100", Token: a.admin.Token}))
		invited := 0
		for _, x := range entries {
			if x["actor"] == owner.ID || x["subject"] == owner.ID {
				t.Errorf("entry still names the deleted user: %v", x)
			}
			if x["action"] == audit.ActionMemberInvited && x["actor"] == pseudonym {
				if _, ok := x["ipAddress"]; ok {
					t.Errorf("anonymized entry keeps the IP: %v", x)
				}
				invited++
			}
		}
		if invited != 1 {
			t.Errorf("invitations by the pseudonymized owner = %d, want 1 in %v", invited, entries)
		}
		adminLog := auditActions(t, e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/audit", Token: a.admin.Token}))
		if x := findEntry(adminLog, audit.ActionRoleChanged); x == nil || x["actor"] != pseudonym {
			t.Errorf("the admin's promotion lost its (pseudonymized) actor: %v", adminLog)
		} else if d, _ := x["details"].(map[string]any); d["from"] == nil || d["to"] == nil || x["ipAddress"] != nil {
			t.Errorf("the promotion kept details %v and IP %v; want the roles kept and no IP of the deleted actor", d, x["ipAddress"])
		}
		own, err := e.Deps.Store().ListOrgAudit(context.Background(), owner.OrgID, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		signedUp, deleted := 0, 0
		for _, x := range own.Entries {
			if x.Action == audit.ActionSignedUp && x.Subject == pseudonym {
				signedUp++
			}
			if x.Action == audit.ActionAccountDeleted && x.Actor == pseudonym && x.Subject == pseudonym && x.IP == "" {
				deleted++
			}
		}
		if signedUp != 1 || deleted != 1 {
			t.Errorf("the deleted user's sign-up and deletion entries were not kept anonymized: %+v", own.Entries)
		}
	})
	t.Run("the organization lives on with its new owner", func(t *testing.T) {
		res := a.on(t).Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/users", Token: a.admin.Token}).JSON()
		if users, _ := res["users"].([]any); len(users) != 2 {
			t.Fatalf("members after the owner left: %v", users)
		}
	})
	t.Run("the email can sign up again", func(t *testing.T) {
		b, _ := handedOver(t) // signing up again changes what the others check
		b.on(t).SignUp(map[string]any{"email": b.owner.Email, "firstName": "New", "lastName": "Person"})
	})
}

// A user alone in their organization takes it with them, and an account
// with many items is deleted in batches.
func TestDeletingALargeSoloAccount(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	now := e.Clock.Now()
	st := e.Deps.Store()
	for i := 0; i < 60; i++ {
		sess := sessions.Session{ID: fmt.Sprintf("%032x", i+1), UserID: u.ID, TokenHash: "x", CreatedAt: now, LastSeenAt: now,
			AbsoluteExpiry: now.Add(time.Hour), ExpiresAt: now.Add(time.Hour)}
		if err := st.PutSession(context.Background(), sess); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(itemsWith(t, e, u.ID)); n < 60 {
		t.Fatalf("items before: %d", n)
	}
	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me", Token: u.Token, Body: map[string]any{"password": u.Password, "confirm": "DELETE"}})
	if after := itemsWith(t, e, u.ID); len(after) != 0 {
		t.Fatalf("items left: %v", after)
	}
	if left := itemsWith(t, e, u.OrgID); len(left) != 0 {
		// Audit entries keep the organization id; nothing else may.
		for _, it := range left {
			if !strings.HasPrefix(it, "AUDITANON#") {
				t.Errorf("organization item left: %s", it)
			}
		}
	}
}

// Inviting an existing account adds a second organization once the invitee
// accepts with their own session; the profile's role follows
// X-Organization-Id.
func TestMemberOfSeveralOrganizations(t *testing.T) {
	e := apptest.New(t, nil)
	owner := e.SignUp(map[string]any{"orgName": "Acme"})
	other := e.SignUp(nil)
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/users", Token: owner.Token,
		Body: map[string]any{"email": other.Email, "firstName": "Ignored", "lastName": "Ignored", "role": "admin"}})
	mails := e.Emails(other.Email)
	if len(mails) != 1 {
		t.Fatalf("invitation emails to an existing account = %d, want 1", len(mails))
	}
	tok := tokenRE.FindString(mails[0].Text)
	if tok == "" || strings.Contains(mails[0].Text, "Ignored") {
		t.Fatalf("an existing account gets a code to accept signed in, not the names the inviter typed: %q", mails[0].Text)
	}
	e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/auth/accept-invite", Token: other.Token, Body: map[string]any{"token": tok}})
	again := e.Do(apptest.Req{Method: "POST", Path: "/v1/users", Token: owner.Token,
		Body: map[string]any{"email": other.Email, "firstName": "A", "lastName": "B", "role": "user"}})
	if again.Status != http.StatusConflict {
		t.Fatalf("inviting a member again: %d, want 409", again.Status)
	}
	for _, c := range []struct{ org, role string }{{owner.OrgID, "admin"}, {other.OrgID, "owner"}} {
		me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: other.Token, Header: map[string]string{"X-Organization-Id": c.org}}).JSON()
		if me["organizationId"] != c.org || me["role"] != c.role {
			t.Errorf("in %s: organizationId %v role %v, want role %s", c.org, me["organizationId"], me["role"], c.role)
		}
	}
	// As admin of Acme, the invitee now sees Acme's staff.
	list := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/users", Token: other.Token, Header: map[string]string{"X-Organization-Id": owner.OrgID}}).JSON()
	if users, _ := list["users"].([]any); len(users) != 2 {
		t.Fatalf("Acme staff seen by its new admin: %v", users)
	}
	// Leaving by deletion keeps both organizations consistent.
	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me", Token: other.Token, Body: map[string]any{"password": other.Password, "confirm": "DELETE"}})
	if left := itemsWith(t, e, other.ID); len(left) != 0 {
		t.Fatalf("items left: %v", left)
	}
	if getItem(t, e, store.OrgPK(other.OrgID), "ORG") {
		t.Error("the deleted user's own, now empty, organization remains")
	}
	me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/users", Token: owner.Token}).JSON()
	if users, _ := me["users"].([]any); len(users) != 1 {
		t.Fatalf("Acme staff after the admin left: %v", users)
	}
}

// A deletion that stopped half-way (here: after the audit entries were
// anonymized and the sessions deleted) is finished by signing in and
// deleting again.
func TestDeletionResumes(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	ctx := context.Background()
	st := e.Deps.Store()
	if err := st.AnonymizeAudit(ctx, u.ID, audit.Pseudonym(e.Deps.Org().PseudonymKey, u.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeleteSessions(ctx, u.ID, ""); err != nil {
		t.Fatal(err)
	}
	tok := e.Login(u.Email, u.Password)
	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me", Token: tok, Body: map[string]any{"password": u.Password, "confirm": "DELETE"}})
	if left := itemsWith(t, e, u.ID); len(left) != 0 {
		t.Fatalf("items left: %v", left)
	}
	t.Run("running the store steps again is harmless", func(t *testing.T) {
		usr := account.User{ID: u.ID, Email: u.Email}
		if err := st.DeleteUserData(ctx, usr); err != nil {
			t.Fatalf("DeleteUserData again: %v", err)
		}
		if err := st.AnonymizeAudit(ctx, u.ID, "p"); err != nil {
			t.Fatalf("AnonymizeAudit again: %v", err)
		}
	})
}

// Two owners demoting each other at the same time: both read the roster
// with two owners, but the roster revision lets only one change win, so
// the organization never ends up without an owner.
func TestConcurrentMembershipChangesConflict(t *testing.T) {
	e := apptest.New(t, nil)
	owner := e.SignUp(nil)
	second := invite(t, e, owner.Token, "owner")
	ctx := context.Background()
	st := e.Deps.Store()
	roster, err := st.GetRoster(ctx, owner.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	if roster.Owners() != 2 {
		t.Fatalf("owners = %d, want 2", roster.Owners())
	}
	demote := func(id string) error {
		u, err := st.GetUser(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		next := u
		next.Orgs = map[string]account.Membership{owner.OrgID: {Role: account.RoleUser, JoinedAt: u.Orgs[owner.OrgID].JoinedAt}}
		next.Version = u.Version + 1
		return st.PutMembership(ctx, next, u.Version, owner.OrgID, roster.Rev) // both use the same stale roster
	}
	if err := demote(owner.ID); err != nil {
		t.Fatalf("first demotion: %v", err)
	}
	if err := demote(second.ID); !errors.Is(err, account.ErrConflict) {
		t.Fatalf("second demotion on a stale roster: err = %v, want ErrConflict", err)
	}
	after, err := st.GetRoster(ctx, owner.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Owners() != 1 || after.Rev != roster.Rev+1 {
		t.Fatalf("after: %d owners, rev %d (was %d)", after.Owners(), after.Rev, roster.Rev)
	}
	t.Run("the API then refuses the last owner's demotion", func(t *testing.T) {
		e := e.For(t)
		res := e.Do(apptest.Req{Method: "PUT", Path: "/v1/users/" + second.ID + "/role", Token: second.Token, Body: map[string]any{"role": "admin"}})
		if res.Status != http.StatusConflict || res.Code() != "sole_owner" {
			t.Fatalf("%d %s, want 409 sole_owner", res.Status, res.Body)
		}
	})
}

func TestInvitationExpiresAfterSevenDays(t *testing.T) {
	e := apptest.New(t, nil)
	owner := e.SignUp(map[string]any{"language": "es"})
	email := testenv.Email(t)
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/users", Token: owner.Token,
		Body: map[string]any{"email": email, "firstName": "Eva", "lastName": "Ruiz", "role": "user"}})
	mails := e.Emails(email)
	if len(mails) != 1 || !strings.Contains(mails[0].Subject, "te ha invitado") {
		t.Fatalf("invitation in the inviter's language (es) expected, got %+v", mails)
	}
	tok := tokenRE.FindString(mails[0].Text)
	if res := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": email, "password": apptest.DefaultPassword}}); res.Status != http.StatusUnauthorized {
		t.Fatalf("an invited member without a password signs in: %d", res.Status)
	}
	e.Clock.Advance(7*24*time.Hour + time.Second)
	res := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/accept-invite", Body: map[string]any{"token": tok, "password": apptest.DefaultPassword}})
	if res.Status != http.StatusBadRequest || res.Code() != "code_expired" {
		t.Fatalf("expired invitation: %d %s, want 400 code_expired", res.Status, res.Body)
	}
	t.Run("a forged token is refused", func(t *testing.T) {
		e := e.For(t)
		forged := tok[:len(tok)-4] + "AAAA"
		res := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/accept-invite", Body: map[string]any{"token": forged, "password": apptest.DefaultPassword}})
		if res.Status != http.StatusBadRequest || res.Code() != "code_invalid" {
			t.Fatalf("%d %s, want 400 code_invalid", res.Status, res.Body)
		}
	})
	t.Run("an unaccepted invitation does not hold the address", func(t *testing.T) {
		e := e.For(t)
		e.SignUp(map[string]any{"email": email, "firstName": "Eva", "lastName": "Ruiz"})
		sess := e.Login(email, apptest.DefaultPassword)
		res := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/accept-invite", Token: sess, Body: map[string]any{"token": tok}})
		if res.Status != http.StatusBadRequest || res.Code() != "code_expired" {
			t.Fatalf("expired invitation accepted signed in: %d %s, want 400 code_expired", res.Status, res.Body)
		}
		if me := e.Do(apptest.Req{Method: "GET", Path: "/v1/me", Token: sess, Header: map[string]string{"X-Organization-Id": owner.OrgID}}); me.Status == http.StatusOK {
			t.Fatalf("member of the inviting organization after an expired invitation: %s", me.Body)
		}
	})
}

// keysOf is the set of member names of a JSON object, nested ones as a.b.
func keysOf(prefix string, m map[string]any) []string {
	var out []string
	for k, v := range m {
		out = append(out, prefix+k)
		if sub, ok := v.(map[string]any); ok {
			out = append(out, keysOf(prefix+k+".", sub)...)
		}
	}
	sort.Strings(out)
	return out
}

// An invitation to an address with an account reveals nothing of it and
// changes nothing until the account's owner accepts with their own session.
func TestInvitingAnExistingAccount(t *testing.T) {
	e := apptest.New(t, nil)
	inviter := e.SignUp(map[string]any{"orgName": "Attacker Inc"})
	victim := e.SignUp(nil)
	e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: victim.Token,
		Body: map[string]any{"timezone": "Europe/Madrid", "displayName": "Victim Private"}})
	unregistered := testenv.Email(t)

	body := func(email string) map[string]any {
		return map[string]any{"email": email, "firstName": "Typed", "lastName": "Name", "role": "owner"}
	}
	known := e.Do(apptest.Req{Method: "POST", Path: "/v1/users", Token: inviter.Token, Body: body(victim.Email)})
	unknown := e.Do(apptest.Req{Method: "POST", Path: "/v1/users", Token: inviter.Token, Body: body(unregistered)})

	t.Run("the answer is the same for registered and unregistered addresses", func(t *testing.T) {
		if known.Status != http.StatusAccepted || unknown.Status != http.StatusAccepted {
			t.Fatalf("statuses %d (registered) and %d (unregistered), want 202 both", known.Status, unknown.Status)
		}
		kk, uk := keysOf("", known.JSON()), keysOf("", unknown.JSON())
		if strings.Join(kk, ",") != strings.Join(uk, ",") {
			t.Fatalf("shapes differ: %v vs %v", kk, uk)
		}
		for _, res := range []*apptest.Response{known, unknown} {
			inv, _ := res.JSON()["invitation"].(map[string]any)
			if inv["firstName"] != "Typed" || inv["lastName"] != "Name" || inv["role"] != "owner" || inv["organizationId"] != inviter.OrgID {
				t.Errorf("invitation answer carries more than what was typed: %s", res.Body)
			}
		}
		for _, leak := range []string{victim.ID, "Europe/Madrid", "Victim Private", "phone", "twoFactor", `"id"`} {
			if strings.Contains(string(known.Body), leak) {
				t.Errorf("the answer reveals %q of the existing account: %s", leak, known.Body)
			}
		}
	})
	t.Run("no membership and nothing visible before acceptance", func(t *testing.T) {
		e := e.For(t)
		for _, m := range []string{"GET", "PATCH"} {
			res := e.Do(apptest.Req{Method: m, Path: "/v1/users/" + victim.ID, Token: inviter.Token, Body: map[string]any{"firstName": "X"}})
			if res.Status != http.StatusNotFound {
				t.Errorf("%s the invitee: %d, want 404", m, res.Status)
			}
		}
		list := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/users", Token: inviter.Token}).JSON()
		if users, _ := list["users"].([]any); len(users) != 1 {
			t.Errorf("members before acceptance: %v", users)
		}
		u, err := e.Deps.Store().GetUser(context.Background(), victim.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := u.Orgs[inviter.OrgID]; ok || len(u.Orgs) != 1 {
			t.Errorf("the invitee's memberships changed: %v", u.Orgs)
		}
		if getItem(t, e, store.OrgPK(inviter.OrgID), store.MemberSK(victim.ID)) {
			t.Error("a member item exists before acceptance")
		}
		org := e.Do(apptest.Req{Method: "GET", Path: "/v1/me", Token: victim.Token, Header: map[string]string{"X-Organization-Id": inviter.OrgID}})
		if org.Status == http.StatusOK {
			t.Errorf("the invitee acts in the inviting organization before accepting: %s", org.Body)
		}
	})
	mails := e.Emails(victim.Email)
	if len(mails) != 1 {
		t.Fatalf("emails to the invitee: %d, want 1", len(mails))
	}
	tok := tokenRE.FindString(mails[0].Text)
	if tok == "" {
		t.Fatalf("no invitation code in %q", mails[0].Text)
	}
	accept := func(e *apptest.Env, token string, body map[string]any) *apptest.Response {
		return e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/accept-invite", Token: token, Body: body})
	}
	t.Run("without a session the existing account must sign in", func(t *testing.T) {
		e := e.For(t)
		res := accept(e, "", map[string]any{"token": tok, "password": "Another-password-9"})
		if res.Status != http.StatusUnauthorized || res.Code() != "unauthenticated" {
			t.Fatalf("%d %s, want 401 unauthenticated", res.Status, res.Body)
		}
		e.Login(victim.Email, victim.Password) // the password did not change
	})
	t.Run("another account's session cannot accept it", func(t *testing.T) {
		res := accept(e.For(t), inviter.Token, map[string]any{"token": tok})
		if res.Status != http.StatusForbidden {
			t.Fatalf("%d %s, want 403", res.Status, res.Body)
		}
	})
	t.Run("a password is not taken with a session", func(t *testing.T) {
		if res := accept(e.For(t), victim.Token, map[string]any{"token": tok, "password": "Another-password-9"}); res.Status != http.StatusBadRequest {
			t.Fatalf("%d %s, want 400", res.Status, res.Body)
		}
	})
	t.Run("the invitee accepts with their own session", func(t *testing.T) {
		e := e.For(t)
		res := accept(e, victim.Token, map[string]any{"token": tok})
		if res.Status != http.StatusOK || res.JSON()["id"] != victim.ID || res.JSON()["organizationId"] != inviter.OrgID || res.JSON()["role"] != "owner" {
			t.Fatalf("accept: %d %s", res.Status, res.Body)
		}
		if again := accept(e, victim.Token, map[string]any{"token": tok}); again.Status != http.StatusBadRequest || again.Code() != "code_invalid" {
			t.Fatalf("second use: %d %s, want 400 code_invalid", again.Status, again.Body)
		}
		e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/users/" + victim.ID, Token: inviter.Token})
		me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: victim.Token, Header: map[string]string{"X-Organization-Id": inviter.OrgID}}).JSON()
		if me["role"] != "owner" {
			t.Fatalf("role in the inviting organization: %v", me["role"])
		}
	})
}

// An invited address that signs up before accepting keeps its sign-up;
// the invitation is then accepted by that signed-in account, and deleting
// the account leaves nothing behind.
func TestInvitedAddressSignsUpFirst(t *testing.T) {
	e := apptest.New(t, nil)
	owner := e.SignUp(map[string]any{"orgName": "Acme"})
	email := testenv.Email(t)
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/users", Token: owner.Token,
		Body: map[string]any{"email": email, "firstName": "Sam", "lastName": "Lee", "role": "admin"}})
	if getItem(t, e, store.EmailPK(email), "EMAIL") {
		t.Fatal("an invitation reserves the address")
	}
	tok := tokenRE.FindString(e.Emails(email)[0].Text)
	e.SignUp(map[string]any{"email": email, "firstName": "Sam", "lastName": "Lee"})
	sessTok := e.Login(email, apptest.DefaultPassword)
	if res := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/accept-invite", Body: map[string]any{"token": tok, "password": apptest.DefaultPassword}}); res.Status != http.StatusUnauthorized {
		t.Fatalf("accept without a session once the address has an account: %d %s, want 401", res.Status, res.Body)
	}
	res := e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/auth/accept-invite", Token: sessTok, Body: map[string]any{"token": tok}})
	id, _ := res.JSON()["id"].(string)
	if res.JSON()["organizationId"] != owner.OrgID || res.JSON()["role"] != "admin" || id == "" {
		t.Fatalf("accepted: %s", res.Body)
	}
	list := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/users", Token: owner.Token}).JSON()
	if users, _ := list["users"].([]any); len(users) != 2 {
		t.Fatalf("members after acceptance: %v", users)
	}
	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me", Token: sessTok, Body: map[string]any{"password": apptest.DefaultPassword, "confirm": "DELETE"}})
	if left := itemsWith(t, e, id); len(left) != 0 {
		t.Fatalf("items left: %v", left)
	}
	if left := itemsWith(t, e, email); len(left) != 0 {
		t.Fatalf("items naming the address left: %v", left)
	}
}

// failingTransactions is DynamoDB Local whose transactions fail while on.
type failingTransactions struct {
	store.DB
	on *atomic.Bool
}

func (f failingTransactions) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if f.on.Load() {
		return nil, errors.New("injected: transactions are failing")
	}
	return f.DB.TransactWriteItems(ctx, in, opts...)
}

// A deletion whose departure from the organizations fails records no
// account.deleted entry: the account still exists.
func TestFailedDeletionLogsNoDeletion(t *testing.T) {
	var failing atomic.Bool
	e := apptest.New(t, &apptest.Options{WrapDB: func(db store.DB) store.DB { return failingTransactions{DB: db, on: &failing} }})
	u := e.SignUp(nil)
	failing.Store(true)
	res := e.Do(apptest.Req{Method: "DELETE", Path: "/v1/me", Token: u.Token, Body: map[string]any{"password": u.Password, "confirm": "DELETE"}})
	failing.Store(false)
	if res.Status != http.StatusInternalServerError {
		t.Fatalf("deletion with failing transactions: %d %s, want 500", res.Status, res.Body)
	}
	log := auditActions(t, e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/audit", Token: u.Token}))
	if x := findEntry(log, audit.ActionAccountDeleted); x != nil {
		t.Errorf("a failed deletion was logged as done: %v", x)
	}
}
