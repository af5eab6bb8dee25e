// Package sample puts sample data into a running stack (`make seed`) and
// sends the sample events of events/ to it (`make event`), through the
// API, the local EventBridge and the mail view only: what a client sees.
package sample

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/example/myprofile/infra/localcloud"
)

// Member is one seeded account. The passwords are sample values, printed
// on purpose: local data only.
type Member struct {
	Role      string
	Email     string
	Password  string
	FirstName string
	LastName  string
	ID        string
	Token     string
}

// Members are the organization's people: the owner signs up (creating the
// organization) and invites the others. The user is the sample user of
// events/apigw-signup.json.
func Members() []Member {
	return []Member{
		{Role: "owner", Email: "sample.owner@example.com", Password: "Owner-Horse-42-battery", FirstName: "Olivia", LastName: "Owner"},
		{Role: "admin", Email: "sample.admin@example.com", Password: "Admin-Horse-42-battery", FirstName: "Adam", LastName: "Admin"},
		{Role: "user", Email: "sample.user@example.com", Password: "Correct-Horse-42-battery", FirstName: "Sample", LastName: "User"},
	}
}

// Result is what Seed made.
type Result struct {
	OrganizationID string
	Members        []Member
}

// User returns the member with the "user" role (the sample user).
func (r Result) User() Member {
	for _, m := range r.Members {
		if m.Role == "user" {
			return m
		}
	}
	return Member{}
}

// Client talks to a running stack.
type Client struct {
	Stack localcloud.Stack
	HTTP  *http.Client // nil: http.DefaultClient
	Now   func() time.Time
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// call sends a JSON request to the API and decodes a 2xx answer into out.
func (c *Client) call(ctx context.Context, method, path, token string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Stack.API+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(raw))
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

type sessionAnswer struct {
	User struct {
		ID             string `json:"id"`
		OrganizationID string `json:"organizationId"`
	} `json:"user"`
	Session struct {
		Token string `json:"token"`
	} `json:"session"`
}

// login signs m in; ok is false when the account does not exist (401).
func (c *Client) login(ctx context.Context, m *Member) (ok bool, err error) {
	var a sessionAnswer
	status, err := c.call(ctx, "POST", "/v1/auth/login", "", map[string]string{"email": m.Email, "password": m.Password}, &a)
	if status == http.StatusUnauthorized {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	m.Token = a.Session.Token
	return true, nil
}

type me struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organizationId"`
}

func (c *Client) me(ctx context.Context, m *Member) (me, error) {
	var p me
	_, err := c.call(ctx, "GET", "/v1/me", m.Token, nil, &p)
	m.ID = p.ID
	return p, err
}

// Seed makes sure the sample organization exists with its three members,
// activities for today, a balance and a billing alert, and signs everyone
// in. Running it again changes nothing but the sessions: members who can
// sign in are not invited again, the activities and the alert are set to
// the same values.
func (c *Client) Seed(ctx context.Context) (Result, error) {
	members := Members()
	owner := &members[0]
	ok, err := c.login(ctx, owner)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		var a sessionAnswer
		status, err := c.call(ctx, "POST", "/v1/auth/signup", "", map[string]string{"email": owner.Email, "password": owner.Password,
			"firstName": owner.FirstName, "lastName": owner.LastName, "timezone": "Europe/Madrid"}, &a)
		if err != nil {
			return Result{}, fmt.Errorf("sign up the owner: %w", err)
		}
		if status == http.StatusAccepted { // the address is confirmed with a mailed code first
			code, err := c.mailed(ctx, owner.Email, signupCode)
			if err != nil {
				return Result{}, fmt.Errorf("sign up the owner: %w", err)
			}
			if _, err := c.call(ctx, "POST", "/v1/auth/signup/confirm", "", map[string]string{"email": owner.Email, "code": code}, &a); err != nil {
				return Result{}, fmt.Errorf("confirm the owner's sign-up: %w", err)
			}
		}
		owner.Token = a.Session.Token
	}
	op, err := c.me(ctx, owner)
	if err != nil {
		return Result{}, err
	}
	res := Result{OrganizationID: op.OrganizationID}
	for i := 1; i < len(members); i++ {
		m := &members[i]
		ok, err := c.login(ctx, m)
		if err != nil {
			return Result{}, err
		}
		if !ok {
			if err := c.invite(ctx, owner, m); err != nil {
				return Result{}, err
			}
		}
		if _, err := c.me(ctx, m); err != nil {
			return Result{}, err
		}
	}
	res.Members = members
	// The owner's alert below 50.00 USD by email, over a balance of 120.00:
	// `make event EVENT=events/balance-changed.json` (40.00) crosses it.
	if _, err := c.call(ctx, "PUT", "/v1/me/billing-alert", owner.Token, map[string]any{"enabled": true,
		"threshold": map[string]any{"amount": 5000, "currency": "USD"}, "channels": []string{"email"}}, nil); err != nil {
		return Result{}, fmt.Errorf("billing alert: %w", err)
	}
	now := c.now()
	if err := c.Put(ctx, "platform.billing", "Balance Changed", map[string]any{"organizationId": res.OrganizationID,
		"balance": map[string]any{"amount": 12000, "currency": "USD"}, "computedAt": now.Format(time.RFC3339Nano)}, nil); err != nil {
		return Result{}, fmt.Errorf("balance: %w", err)
	}
	day := now.Truncate(24 * time.Hour)
	user := res.User()
	for i, a := range []struct {
		id, kind, title string
		at, hours       int
	}{
		{"seed-standup", "appointment", "Team stand-up", 9, 1},
		{"seed-review", "appointment", "Quarterly review with Acme", 14, 1},
		{"seed-proposal", "task", "Send the proposal", 17, 0},
	} {
		d := map[string]any{"activityId": a.id, "userId": user.ID, "kind": a.kind, "title": a.title,
			"startAt": day.Add(time.Duration(a.at) * time.Hour).Format(time.RFC3339), "version": 1,
			"updatedAt": day.Add(time.Duration(i) * time.Second).Format(time.RFC3339)}
		if a.hours > 0 {
			d["endAt"] = day.Add(time.Duration(a.at+a.hours) * time.Hour).Format(time.RFC3339)
		}
		if err := c.Put(ctx, "platform.activities", "Activity Scheduled", d, nil); err != nil {
			return Result{}, fmt.Errorf("activity %s: %w", a.id, err)
		}
	}
	return res, nil
}

var (
	inviteCode = regexp.MustCompile(`invitation code:\s*(\S+)`)
	signupCode = regexp.MustCompile(`(?m)^\s*(\d{6})\s*$`)
)

// mailed returns what re's group matches in the newest mail to email that
// has it, read from the stack's mail view as a person reads their inbox.
func (c *Client) mailed(ctx context.Context, email string, re *regexp.Regexp) (string, error) {
	mails, err := localcloud.SESMessages(ctx, c.Stack.SES)
	if err != nil {
		return "", err
	}
	for i := len(mails) - 1; i >= 0; i-- {
		for _, to := range mails[i].To {
			if strings.EqualFold(to, email) {
				if s := re.FindStringSubmatch(mails[i].Text); s != nil {
					return s[1], nil
				}
			}
		}
	}
	return "", fmt.Errorf("no mail to %s with the code in %s", email, c.Stack.SES)
}

// invite has the owner invite m and accepts with the code from the mail.
func (c *Client) invite(ctx context.Context, owner, m *Member) error {
	if _, err := c.call(ctx, "POST", "/v1/users", owner.Token, map[string]string{"email": m.Email,
		"firstName": m.FirstName, "lastName": m.LastName, "role": m.Role}, nil); err != nil {
		return fmt.Errorf("invite the %s: %w", m.Role, err)
	}
	token, err := c.mailed(ctx, m.Email, inviteCode)
	if err != nil {
		return fmt.Errorf("invite the %s: %w", m.Role, err)
	}
	var a sessionAnswer
	if _, err := c.call(ctx, "POST", "/v1/auth/accept-invite", "", map[string]string{"token": token, "password": m.Password}, &a); err != nil {
		return fmt.Errorf("accept the %s's invitation: %w", m.Role, err)
	}
	m.Token = a.Session.Token
	return nil
}

// PutAnswer is the local EventBridge's answer to one entry.
type PutAnswer struct {
	FailedEntryCount int `json:"FailedEntryCount"`
	Entries          []struct {
		EventID      string `json:"EventId"`
		ErrorCode    string `json:"ErrorCode"`
		ErrorMessage string `json:"ErrorMessage"`
	} `json:"Entries"`
}

// Put sends one event to the stack's EventBridge with PutEvents.
func (c *Client) Put(ctx context.Context, source, detailType string, detail any, resources []string) error {
	_, err := c.put(ctx, source, detailType, detail, resources)
	return err
}

func (c *Client) put(ctx context.Context, source, detailType string, detail any, resources []string) (string, error) {
	d, err := json.Marshal(detail)
	if err != nil {
		return "", err
	}
	body, _ := json.Marshal(map[string]any{"Entries": []map[string]any{{"Source": source, "DetailType": detailType,
		"Detail": string(d), "Resources": resources, "EventBusName": "default"}}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Stack.EventBridge+"/", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSEvents.PutEvents")
	resp, err := c.http().Do(req)
	if err != nil {
		return "", fmt.Errorf("PutEvents: %w", err)
	}
	defer resp.Body.Close()
	var a PutAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != 200 || len(a.Entries) != 1 {
		return "", fmt.Errorf("PutEvents: status %d", resp.StatusCode)
	}
	if a.FailedEntryCount > 0 {
		return "", fmt.Errorf("PutEvents: %s: %s", a.Entries[0].ErrorCode, a.Entries[0].ErrorMessage)
	}
	return a.Entries[0].EventID, nil
}

// Fill replaces the placeholders of a sample event: {{organization.id}},
// {{user.id}} and {{session.token}} of the sample user, {{now}} (RFC 3339,
// milliseconds) and {{today}} (YYYY-MM-DD, UTC). Any other {{...}} left is
// an error.
func Fill(raw []byte, res Result, now time.Time) ([]byte, error) {
	u := res.User()
	out := strings.NewReplacer(
		"{{organization.id}}", res.OrganizationID,
		"{{user.id}}", u.ID,
		"{{session.token}}", u.Token,
		"{{now}}", now.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		"{{today}}", now.UTC().Format(time.DateOnly),
	).Replace(string(raw))
	if m := regexp.MustCompile(`\{\{[^}]*\}\}`).FindString(out); m != "" {
		return nil, fmt.Errorf("unknown placeholder %s", m)
	}
	return []byte(out), nil
}

// Event is a sample EventBridge event file's content.
type Event struct {
	Source     string          `json:"source"`
	DetailType string          `json:"detail-type"`
	Detail     json.RawMessage `json:"detail"`
	Resources  []string        `json:"resources"`
	RouteKey   string          `json:"routeKey"` // API Gateway events: not for the bus
	Records    []any           `json:"Records"`  // S3 and SQS events: not for the bus
}

// ErrNotAnEvent is returned by Send for a sample that is not an
// EventBridge event (API Gateway, S3, SQS): `make invoke` runs those.
var ErrNotAnEvent = errors.New("not an EventBridge event: run it with `make invoke FN=<function> EVENT=<file>`")

// Send fills the placeholders of a sample event and puts it on the bus;
// it returns the event id.
func (c *Client) Send(ctx context.Context, raw []byte, res Result) (string, error) {
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return "", fmt.Errorf("event: %w", err)
	}
	if ev.RouteKey != "" || ev.Records != nil || ev.Source == "" {
		return "", ErrNotAnEvent
	}
	filled, err := Fill(raw, res, c.now())
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(filled, &ev); err != nil {
		return "", fmt.Errorf("event: %w", err)
	}
	var detail any = ev.Detail
	if len(ev.Detail) == 0 {
		detail = map[string]any{}
	}
	return c.put(ctx, ev.Source, ev.DetailType, detail, ev.Resources)
}

// Deliveries returns where the bus delivered the event id (GET /events).
func (c *Client) Deliveries(ctx context.Context, id string) ([]localcloud.Delivery, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Stack.EventBridge+"/events", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET /events: %w", err)
	}
	defer resp.Body.Close()
	var all struct {
		Events []localcloud.RoutedEvent `json:"events"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		return nil, fmt.Errorf("GET /events: %w", err)
	}
	for _, e := range all.Events {
		if e.ID == id {
			return e.Deliveries, nil
		}
	}
	return nil, nil
}
