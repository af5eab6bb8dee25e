package org_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/org"
	"github.com/example/myprofile/shared/store"
)

// keysItems are the item names of store/keys.go's table of item kinds.
func keysItems(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("../store/keys.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "// Access patterns:") {
			break
		}
		line = strings.TrimPrefix(line, "//")
		name, rest, ok := strings.Cut(line, "|")
		name = strings.TrimSpace(name)
		if !ok || name == "" || name == "Item" || strings.HasPrefix(name, "-") || !strings.Contains(rest, "|") {
			continue
		}
		names = append(names, name)
	}
	if len(names) < 20 {
		t.Fatalf("found only %d item kinds in keys.go: %v", len(names), names)
	}
	return names
}

func TestExportCoversEveryItemKind(t *testing.T) {
	listed := map[string]org.ExportKind{}
	for _, k := range org.ExportKinds {
		listed[k.Item] = k
	}
	for _, name := range keysItems(t) {
		k, ok := listed[name]
		if !ok {
			t.Errorf("item kind %q of store/keys.go is neither exported nor listed as left out (org.ExportKinds)", name)
			continue
		}
		if (k.Section == "") == (k.LeftOut == "") {
			t.Errorf("item kind %q must have either a section or a reason it is left out: %+v", name, k)
		}
		delete(listed, name)
	}
	for name := range listed {
		t.Errorf("org.ExportKinds lists %q, which store/keys.go does not", name)
	}
}

// seed writes one item of each kind kept under the user (and their
// billing alert), each with a secret-looking value the export must not
// show.
func seed(t *testing.T, e *apptest.Env, u apptest.User) {
	t.Helper()
	const secret = "SECRET-DO-NOT-EXPORT"
	s := func(v string) ddbtypes.AttributeValue { return store.S(v) }
	items := []map[string]ddbtypes.AttributeValue{
		{"pk": s(store.UserPK(u.ID)), "sk": s("PREFS#NOTIFICATIONS"), "userId": s(u.ID), "prefs": &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{"security": s("email")}}},
		{"pk": s(store.UserPK(u.ID)), "sk": s("VERIFY#EMAIL"), "kind": s("email"), "target": s("new@example.com"), "targetHash": s(secret), "currentHash": s(secret), "salt": s(secret), "expiresAt": s("2030-01-01T00:00:00Z")},
		{"pk": s(store.UserPK(u.ID)), "sk": s(store.SKDigest), "timezone": s("Europe/Madrid"), "time": s("08:00"), "gsi1pk": s("DUE#1")},
		{"pk": s(store.UserPK(u.ID)), "sk": s(store.PrefixActivity + "a1"), "activityId": s("a1"), "kind": s("appointment"), "title": s("Dentist")},
		{"pk": s(store.UserPK(u.ID)), "sk": s(store.SKTOTP), "secretEnc": s(secret), "createdAt": s("2026-01-01T00:00:00Z")},
		{"pk": s(store.UserPK(u.ID)), "sk": s(store.SKTOTPPending), "secretEnc": s(secret)},
		{"pk": s(store.UserPK(u.ID)), "sk": s(store.PrefixBackup + "ab"), "id": s("ab"), "hash": s(secret)},
		{"pk": s(store.UserPK(u.ID)), "sk": s(store.PrefixMFAChal + "ff"), "smsHash": s(secret)},
		{"pk": s(store.UserPK(u.ID)), "sk": s(store.PrefixPasskey + "cred"), "id": s("cred"), "name": s("My key"), "credential": s(secret), "createdAt": s("2026-01-01T00:00:00Z")},
		{"pk": s(store.UserPK(u.ID)), "sk": s(store.SKWebAuthnReg), "data": s(secret)},
		{"pk": s(store.OrgPK(u.OrgID)), "sk": s(store.PrefixAlert + u.ID), "orgId": s(u.OrgID), "enabled": &ddbtypes.AttributeValueMemberBOOL{Value: true}, "currency": s("EUR"), "leaseId": s(secret)},
	}
	for _, it := range items {
		if _, err := e.Deps.DB.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(e.Table), Item: it}); err != nil {
			t.Fatalf("seed %v: %v", it["sk"], err)
		}
	}
}

func TestExport(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(map[string]any{"orgName": "Acme"})
	seed(t, e, u)
	res := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/export", Token: u.Token})
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("Content-Disposition = %q, want attachment", cd)
	}
	body := string(res.Body)
	for _, leak := range []string{"SECRET-DO-NOT-EXPORT", `"tokenHash"`, `"version"`, strings.Split(u.Token, ".")[2]} {
		if strings.Contains(body, leak) {
			t.Errorf("the export contains %q", leak)
		}
	}
	x := res.JSON()
	profile, _ := x["profile"].(map[string]any)
	if profile["email"] != u.Email || profile["id"] != u.ID {
		t.Errorf("profile = %v", profile)
	}
	if x["passwordSet"] != true {
		t.Errorf("passwordSet = %v", x["passwordSet"])
	}
	one := func(section, field, want string) {
		t.Helper()
		list, _ := x[section].([]any)
		if len(list) == 0 {
			t.Errorf("section %s is empty: %v", section, x[section])
			return
		}
		if got, _ := list[0].(map[string]any)[field].(string); want != "" && got != want {
			t.Errorf("%s[0].%s = %q, want %q", section, field, got, want)
		}
	}
	one("sessions", "userAgent", "")
	one("notifications", "", "")
	one("pendingChanges", "target", "new@example.com")
	one("dailySummarySchedule", "timezone", "Europe/Madrid")
	one("activities", "title", "Dentist")
	one("twoFactor", "createdAt", "2026-01-01T00:00:00Z")
	one("backupCodes", "id", "ab")
	one("passkeys", "name", "My key")
	one("billingAlerts", "currency", "EUR")
	one("audit", "action", "account.signed_up")
	mem, _ := x["memberships"].([]any)
	if len(mem) != 1 || mem[0].(map[string]any)["name"] != "Acme" || mem[0].(map[string]any)["role"] != "owner" {
		t.Errorf("memberships = %v", mem)
	}
	if left, _ := x["leftOut"].(map[string]any); left["password credential"] == nil {
		t.Errorf("leftOut does not explain the password: %v", left)
	}

	entries := auditActions(t, e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/audit", Token: u.Token}))
	if findEntry(entries, "account.exported") == nil {
		t.Errorf("no account.exported entry: %v", entries)
	}
	t.Run("five exports a day", func(t *testing.T) {
		for i := 2; i <= 5; i++ {
			e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/export", Token: u.Token})
		}
		res := e.Do(apptest.Req{Method: "GET", Path: "/v1/me/export", Token: u.Token})
		if res.Status != http.StatusTooManyRequests || res.Code() != "rate_limited" {
			t.Fatalf("sixth export: %d %s, want 429 rate_limited", res.Status, res.Body)
		}
	})
}
