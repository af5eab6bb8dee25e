package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/sample"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/catalog"
)

// testStack is a stack as `make run` describes it, on e's API and a bus
// routed to e's functions.
func testStack(t *testing.T, e *apptest.Env) localcloud.Stack {
	t.Helper()
	svc, bus, err := localcloud.StartEventRouter(t.Context(), "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Stop)
	rules, err := eventRules(e.Deps, catalog.All())
	if err != nil {
		t.Fatal(err)
	}
	bus.SetRules(rules)
	return localcloud.Stack{API: e.Server.URL, SES: e.SESEndpoint, SNS: e.SNSEndpoint, EventBridge: svc.Endpoint, Table: e.Table}
}

func TestSeedIsIdempotentAndMakesSampleEventsWork(t *testing.T) {
	// The sample accounts have fixed addresses: a table of their own.
	e := apptest.New(t, nil)
	c := &sample.Client{Stack: testStack(t, e)}

	first, err := c.Seed(t.Context())
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	second, err := c.Seed(t.Context())
	if err != nil {
		t.Fatalf("seed again: %v", err)
	}
	if first.OrganizationID == "" || first.OrganizationID != second.OrganizationID {
		t.Errorf("organization: %q then %q, want the same", first.OrganizationID, second.OrganizationID)
	}
	for i, m := range second.Members {
		if m.ID == "" || m.ID != first.Members[i].ID || m.Token == "" {
			t.Errorf("%s: id %q then %q, token %q", m.Role, first.Members[i].ID, m.ID, m.Token)
		}
		// Every printed token works.
		e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: m.Token})
	}
	owner := second.Members[0]
	var staff struct {
		Users []struct {
			Email string `json:"email"`
			Role  string `json:"role"`
		} `json:"users"`
	}
	e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/users", Token: owner.Token}).Decode(t, &staff)
	roles := map[string]string{}
	for _, u := range staff.Users {
		roles[u.Email] = u.Role
	}
	if len(staff.Users) != 3 || roles["sample.admin@example.com"] != "admin" || roles["sample.user@example.com"] != "user" {
		t.Errorf("members after two seeds: %+v, want the owner, one admin and one user", staff.Users)
	}
	if got := len(e.Emails("sample.admin@example.com")); got != 1 {
		t.Errorf("the admin got %d invitations after two seeds, want 1", got)
	}
	alert := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/billing-alert", Token: owner.Token}).JSON()
	if alert["enabled"] != true {
		t.Errorf("billing alert: %v", alert)
	}

	// Every EventBridge sample in events/ reaches its function with the
	// placeholders filled; the balance sample alerts the owner.
	files, _ := filepath.Glob("../../events/*.json")
	sent := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		id, err := c.Send(t.Context(), raw, second)
		if err == sample.ErrNotAnEvent {
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		sent++
		ds, err := c.Deliveries(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		// The platform's events reach their function; the stack's own
		// domain events (source myprofile) have no consumer here: recorded only.
		var ev sample.Event
		_ = json.Unmarshal(raw, &ev)
		consumed := strings.HasPrefix(ev.Source, "platform.") || ev.Source == "aws.events"
		if consumed && (len(ds) != 1 || !ds[0].OK) || !consumed && len(ds) != 0 {
			t.Errorf("%s: deliveries %+v, want one that worked: %v", filepath.Base(f), ds, consumed)
		}
	}
	if sent < 7 {
		t.Errorf("sent %d EventBridge samples, want every one of events/ (7 or more)", sent)
	}
	mails := e.Emails(owner.Email)
	if len(mails) == 0 || !strings.Contains(mails[len(mails)-1].Text+mails[len(mails)-1].Subject, "40") {
		t.Errorf("the owner's mails after the balance sample: %+v, want the low-credit alert", mails)
	}
}
