package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/localcloud/testenv"
)

// The page's other flows in headless Chromium: the Availability, Calendar,
// Notifications and Billing tabs saving, invitations (sent, listed,
// revoked, accepted) and a role change in the Organization tab, the
// sole-owner refusal in the Danger zone, an email change with both mailed
// codes, a phone change with the texted code, SMS two-step verification on
// and a sign-in with a texted code.

// signUp fills the sign-up form and, when the API answers 202 (wantCode),
// the address code mailed to email; it ends signed in on General.
func (e pageEnv) signUp(t *testing.T, ctx context.Context, first, last, email, password string, wantCode bool) {
	t.Helper()
	step(t, ctx, "open the page", chromedp.Navigate(e.origin+"/"), chromedp.WaitVisible("#signin-form", chromedp.ByQuery))
	e.checkTab(t, ctx, "00-sign-in")
	before := e.mailCount(t, email)
	step(t, ctx, "fill the sign-up form",
		chromedp.Click("#show-signup", chromedp.ByQuery), chromedp.WaitVisible("#signup-form", chromedp.ByQuery),
		fill("#signup-firstName", first), fill("#signup-lastName", last), fill("#signup-email", email), fill("#signup-password", password),
		chromedp.Click("#signup-form button[type=submit]", chromedp.ByQuery),
		waitJS(`!!(document.querySelector('#signup-code-form') || document.querySelector('#panel[data-ready]'))`),
	)
	var next string
	step(t, ctx, "after sign-up", evalString(`document.querySelector('#signup-code-form') ? 'code' : 'app'`, &next))
	if (next == "code") != wantCode {
		t.Fatalf("after sign-up the page shows %q, want the code step %v", next, wantCode)
	}
	if next == "code" {
		e.checkTab(t, ctx, "01-sign-up-code")
		code := e.mailedCodeAfter(t, email, before)
		step(t, ctx, "confirm the address", fill("#signup-code", code), chromedp.Click("#signup-code-form button[type=submit]", chromedp.ByQuery))
	}
	step(t, ctx, "signed in", waitJS(`document.querySelector('#panel[data-ready=general]') !== null`))
}

// mails returns the messages mailed to addr, oldest first.
func (e pageEnv) mails(t *testing.T, addr string) []localcloud.Email {
	t.Helper()
	msgs, err := localcloud.SESMessages(t.Context(), e.ses)
	if err != nil {
		t.Fatal(err)
	}
	var out []localcloud.Email
	for _, m := range msgs {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

func (e pageEnv) mailCount(t *testing.T, addr string) int {
	t.Helper()
	return len(e.mails(t, addr))
}

// mailedAfter waits for a message to addr beyond the first n and returns
// the first submatch of re in its text.
func (e pageEnv) mailedAfter(t *testing.T, addr string, n int, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		msgs := e.mails(t, addr)
		for i := len(msgs) - 1; i >= n; i-- {
			if m := re.FindStringSubmatch(msgs[i].Text); m != nil {
				return m[1]
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no new message to %s matching %s (after %d)", addr, re, n)
	return ""
}

func (e pageEnv) mailedCodeAfter(t *testing.T, addr string, n int) string {
	t.Helper()
	return e.mailedAfter(t, addr, n, sixDigits)
}

// texts returns the text messages sent to phone (E.164), oldest first.
func (e pageEnv) texts(t *testing.T, phone string) []localcloud.SMS {
	t.Helper()
	msgs, err := localcloud.SMSMessages(t.Context(), e.sms)
	if err != nil {
		t.Fatal(err)
	}
	var out []localcloud.SMS
	for _, m := range msgs {
		if m.PhoneNumber == phone {
			out = append(out, m)
		}
	}
	return out
}

// textedCodeAfter waits for a text to phone beyond the first n and
// returns its 6-digit code.
func (e pageEnv) textedCodeAfter(t *testing.T, phone string, n int) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		msgs := e.texts(t, phone)
		for i := len(msgs) - 1; i >= n; i-- {
			if m := sixDigits.FindStringSubmatch(msgs[i].Message); m != nil {
				return m[1]
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no code texted to %s (after %d)", phone, n)
	return ""
}

// pageToken is the page's session token, to check through the API what
// the page saved.
func pageToken(t *testing.T, ctx context.Context) string {
	t.Helper()
	var tok string
	step(t, ctx, "read the page's session", evalString(`sessionStorage.getItem('myprofile.session') || ''`, &tok))
	if tok == "" {
		t.Fatal("the page holds no session")
	}
	return tok
}

// get is GET path with the token, failing unless 200.
func (e pageEnv) get(t *testing.T, path, token string) map[string]any {
	t.Helper()
	status, body := e.apiCall(t, http.MethodGet, path, token, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %v", path, status, body)
	}
	return body
}

// at walks a decoded JSON value along keys.
func at(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// submit clicks a form's submit button and waits for its status line to
// read want.
func submit(formSel, want string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.Click(formSel+" button[type=submit]", chromedp.ByQuery),
		waitJS(fmt.Sprintf(`(() => { const s = document.querySelector(%q); return !!s && s.textContent === %q })()`, formSel+" .status", want)),
	}
}

var invitationCode = regexp.MustCompile(`invitation code:\s*(\S+)`)

func TestWebPageFlowsInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test is long; run without -short")
	}
	chrome := chromiumPath(t)
	e := startStack(t)
	e.out = filepath.Join(e.out, "flows") // beside the other test's screenshots
	if err := os.MkdirAll(e.out, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t, chrome)

	id := testenv.RandomID(t)
	email := "grace." + id + "@example.com"
	const password = "Correct horse battery staple 9"
	e.signUp(t, ctx, "Grace", "Hopper", email, password, true)
	tok := pageToken(t, ctx)

	// Availability: Monday 08:30-16:00, meetings by phone.
	e.openTab(t, ctx, "availability")
	step(t, ctx, "save the availability",
		chromedp.Evaluate(`(() => { const c = document.querySelector('#av-on-mon'); c.checked = true; c.dispatchEvent(new Event('change', {bubbles: true})); return true })()`, nil),
		fill("#av-start-mon", "08:30"), fill("#av-end-mon", "16:00"),
		fill("#av-availability-meetingLocation-type", "phone"), fill("#av-availability-meetingLocation-details", "+34 600 000 000"),
		submit("#availability-form", "Saved."),
	)
	me := e.get(t, "/v1/me", tok)
	if mon, _ := at(me, "availability", "weekly", "mon").([]any); len(mon) != 1 || at(mon[0], "start") != "08:30" || at(mon[0], "end") != "16:00" ||
		at(me, "availability", "meetingLocation", "type") != "phone" {
		t.Errorf("saved availability %v, want Monday 08:30-16:00 by phone", at(me, "availability"))
	}
	e.checkTab(t, ctx, "30-availability-saved")

	// Calendar: private mode (no calendar connected, so no calendar ids).
	e.openTab(t, ctx, "calendar")
	step(t, ctx, "save the calendar settings",
		chromedp.Evaluate(`(() => { const c = document.querySelector('#cal-calendar-privateSyncedEvents'); c.checked = true; return true })()`, nil),
		submit("#calendar-form", "Saved."),
	)
	if v := at(e.get(t, "/v1/me", tok), "calendar", "privateSyncedEvents"); v != true {
		t.Errorf("private mode saved as %v, want true", v)
	}
	e.checkTab(t, ctx, "31-calendar-saved")

	// Notifications: flip the first box of each matrix, save, read back.
	e.openTab(t, ctx, "notifications")
	var flipped []string
	step(t, ctx, "save the notification matrix",
		chromedp.Evaluate(`['web', 'mobile'].map(p => { const c = document.querySelector('#notifications-form input[name^="' + p + '."]'); c.checked = !c.checked; return c.name + '=' + c.checked })`, &flipped),
		submit("#notifications-form", "Saved."),
	)
	prefs := e.get(t, "/v1/me/notifications", tok)
	for _, f := range flipped {
		name, want, _ := strings.Cut(f, "=")
		if got := fmt.Sprint(at(prefs, strings.Split(name, ".")...)); got != want {
			t.Errorf("notification %s saved as %s, want %s", name, got, want)
		}
	}
	step(t, ctx, "turn the daily summary on",
		chromedp.Evaluate(`(() => { document.querySelector('#ds-dailySummary-enabled').checked = true; return true })()`, nil),
		fill("#ds-dailySummary-time", "08:15"),
		submit("#daily-form", "Saved."),
	)
	if ds := at(e.get(t, "/v1/me", tok), "dailySummary"); at(ds, "enabled") != true || at(ds, "time") != "08:15" {
		t.Errorf("daily summary saved as %v, want on at 08:15", ds)
	}
	e.checkTab(t, ctx, "32-notifications-saved")

	// Billing alert (the owner of the new organization).
	e.openTab(t, ctx, "billing")
	step(t, ctx, "save the billing alert",
		chromedp.Evaluate(`(() => { for (const s of ['#bill-enabled', '#bill-ch-email']) document.querySelector(s).checked = true; document.querySelector('#bill-ch-sms').checked = false; return true })()`, nil),
		fill("#bill-threshold-amount", "250"), fill("#bill-threshold-currency", "eur"),
		submit("#billing-form", "Saved."),
	)
	alert := e.get(t, "/v1/me/billing-alert", tok)
	if at(alert, "enabled") != true || fmt.Sprint(at(alert, "threshold", "amount")) != "250" || at(alert, "threshold", "currency") != "EUR" || fmt.Sprint(at(alert, "channels")) != "[email]" {
		t.Errorf("billing alert saved as %v, want on at 250 EUR by email", alert)
	}
	e.checkTab(t, ctx, "33-billing-saved")

	// Organization: two invitations listed, one revoked, the other
	// accepted; the newcomer made an admin.
	alan := "alan." + id + "@example.com"
	kate := "kate." + id + "@example.com"
	alanMails := e.mailCount(t, alan)
	e.openTab(t, ctx, "organization")
	for _, p := range [][2]string{{alan, "Alan"}, {kate, "Katherine"}} {
		step(t, ctx, "invite "+p[1],
			fill("#inv-email", p[0]), fill("#inv-firstName", p[1]), fill("#inv-lastName", "Test"),
			submit("#invite-form", "Invitation sent to "+p[0]+"."),
		)
	}
	var pending []string
	step(t, ctx, "pending invitations", chromedp.Evaluate(`[...document.querySelectorAll('#invitations-list li strong')].map(s => s.textContent)`, &pending))
	if fmt.Sprint(pending) != fmt.Sprint([]string{alan, kate}) {
		t.Errorf("pending invitations %q, want %s and %s", pending, alan, kate)
	}
	e.checkTab(t, ctx, "40-organization-invited")
	step(t, ctx, "revoke Katherine's invitation",
		chromedp.Click(fmt.Sprintf(`#invitations-list button[aria-label$=%q]`, kate), chromedp.ByQuery),
		waitJS(fmt.Sprintf(`document.querySelector('#invite-form .status').textContent === %q`, "Invitation to "+kate+" revoked.")),
		chromedp.Evaluate(`[...document.querySelectorAll('#invitations-list li strong')].map(s => s.textContent)`, &pending),
	)
	if fmt.Sprint(pending) != fmt.Sprint([]string{alan}) {
		t.Errorf("after revoking, pending invitations %q, want %s alone", pending, alan)
	}
	code := e.mailedAfter(t, alan, alanMails, invitationCode)
	if status, body := e.apiCall(t, http.MethodPost, "/v1/auth/accept-invite", "", map[string]string{"token": code, "password": password + " alan"}); status != http.StatusOK && status != http.StatusCreated {
		t.Fatalf("Alan accepts the invitation: %d %v", status, body)
	}
	e.openTab(t, ctx, "organization")
	sel := fmt.Sprintf(`#staff select[aria-label=%q]`, "Role: Alan Test")
	step(t, ctx, "make Alan an admin",
		waitJS(fmt.Sprintf(`document.querySelector(%q) !== null && document.querySelector('#invitations-none') !== null`, sel)),
		fill(sel, "admin"),
		waitJS(`document.querySelector('#staff-status').textContent === 'Alan Test is now Admin.'`),
	)
	deadline := time.Now().Add(10 * time.Second)
	var role any
	for time.Now().Before(deadline) {
		for _, u := range at(e.get(t, "/v1/users", tok), "users").([]any) {
			if strings.EqualFold(fmt.Sprint(at(u, "email")), alan) {
				role = at(u, "role")
			}
		}
		if role == "admin" {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if role != "admin" {
		t.Errorf("Alan's role is %v after choosing Admin, want admin", role)
	}
	e.checkTab(t, ctx, "41-organization-roles")

	// Danger zone: the only owner of an organization with Alan in it.
	e.openTab(t, ctx, "danger")
	var refusal string
	step(t, ctx, "try to delete the account",
		fill("#del-password", password), fill("#del-confirm", "DELETE"),
		chromedp.Click("#delete-form button[type=submit]", chromedp.ByQuery),
		waitJS(`!document.querySelector('#delete-form > .alert').hidden`),
		chromedp.Text("#delete-form > .alert", &refusal, chromedp.ByQuery),
	)
	if want := "You are the only owner of an organization. Make someone else an owner first, then delete your account."; refusal != want {
		t.Errorf("deleting as the sole owner says %q, want %q", refusal, want)
	}
	if status, _ := e.apiCall(t, http.MethodGet, "/v1/me", tok, nil); status != http.StatusOK {
		t.Errorf("after the refused deletion GET /v1/me is %d", status)
	}
	e.checkTab(t, ctx, "42-danger-sole-owner")

	// Email change: a code to the new address and one to the current.
	newEmail := "grace.h." + id + "@example.com"
	oldMails, newMails := e.mailCount(t, email), e.mailCount(t, newEmail)
	e.openTab(t, ctx, "security")
	step(t, ctx, "ask to change the email",
		fill("#em-newEmail", newEmail), fill("#em-password", password),
		chromedp.Click("#email-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#email-confirm-form", chromedp.ByQuery),
	)
	e.checkTab(t, ctx, "50-security-email-codes")
	step(t, ctx, "confirm with both codes",
		fill("#em-newEmailCode", e.mailedCodeAfter(t, newEmail, newMails)), fill("#em-currentEmailCode", e.mailedCodeAfter(t, email, oldMails)),
		chromedp.Click("#email-confirm-form button[type=submit]", chromedp.ByQuery),
		waitJS(`document.querySelector('#email-form') !== null && document.querySelector('#panel[data-ready=security]') !== null`),
	)
	if got := at(e.get(t, "/v1/me", tok), "email"); got != newEmail {
		t.Errorf("email is %v after confirming, want %s", got, newEmail)
	}

	// Phone change with the texted code, then SMS codes as second factor.
	const phone, e164 = "+34 612 345 678", "+34612345678"
	texts := len(e.texts(t, e164))
	step(t, ctx, "ask to change the phone",
		fill("#ph-phone", phone), fill("#ph-password", password),
		chromedp.Click("#phone-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#phone-confirm-form", chromedp.ByQuery),
	)
	step(t, ctx, "confirm the phone",
		fill("#ph-code", e.textedCodeAfter(t, e164, texts)),
		chromedp.Click("#phone-confirm-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#sms-on-form", chromedp.ByQuery),
	)
	if me := e.get(t, "/v1/me", tok); me["phone"] != e164 || me["phoneVerified"] != true {
		t.Errorf("phone %v verified %v, want %s verified", me["phone"], me["phoneVerified"], e164)
	}
	step(t, ctx, "turn SMS codes on",
		fill("#sms-password", password), chromedp.Click("#sms-on-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#sms-backup-form", chromedp.ByQuery),
	)
	// SMS alone: the page asks for a texted step-up code, then makes
	// backup codes and shows them.
	texts = len(e.texts(t, e164))
	step(t, ctx, "text a step-up code",
		chromedp.Click("#smsbc-send-sms", chromedp.ByQuery),
		waitJS(`document.querySelector('#smsbc-stepup-status').textContent !== ''`),
	)
	e.checkTab(t, ctx, "51-security-sms-step-up")
	var smsOn string
	var backup []string
	step(t, ctx, "backup codes shown",
		fill("#smsbc-code", e.textedCodeAfter(t, e164, texts)),
		chromedp.Click("#sms-backup-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#backup-codes", chromedp.ByQuery),
		chromedp.WaitVisible("#sms-off-form", chromedp.ByQuery),
		chromedp.Text("#sms-box p", &smsOn, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll('#backup-codes li')].map(l => l.textContent)`, &backup))
	if smsOn != "SMS codes go to the phone ending in 5678." {
		t.Errorf("SMS 2FA status %q", smsOn)
	}
	if len(backup) != 10 {
		t.Errorf("%d backup codes shown after turning SMS on, want 10", len(backup))
	}
	if tf := e.get(t, "/v1/me/2fa", tok); tf["enabled"] != true || at(tf, "sms", "enabled") != true {
		t.Errorf("GET /v1/me/2fa %v, want SMS on", tf)
	}
	e.checkTab(t, ctx, "51-security-sms")

	// Sign out and in with the new address and a texted code.
	step(t, ctx, "sign out", chromedp.Click("#signout", chromedp.ByQuery), chromedp.WaitVisible("#signin-form", chromedp.ByQuery))
	step(t, ctx, "sign in with the new address",
		fill("#signin-email", newEmail), fill("#signin-password", password), chromedp.Click("#signin-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#mfa-method-sms", chromedp.ByQuery),
	)
	texts = len(e.texts(t, e164))
	step(t, ctx, "ask for a texted code",
		chromedp.Click("#mfa-method-sms", chromedp.ByQuery), chromedp.WaitVisible("#mfa-send-sms", chromedp.ByQuery),
		chromedp.Click("#mfa-send-sms", chromedp.ByQuery),
		waitJS(`document.querySelector('#mfa-form .status').textContent !== ''`),
	)
	e.checkTab(t, ctx, "52-second-step-sms")
	step(t, ctx, "second step with the texted code",
		fill("#mfa-code", e.textedCodeAfter(t, e164, texts)), chromedp.Click("#mfa-form button[type=submit]", chromedp.ByQuery),
		waitJS(`document.querySelector('#panel[data-ready=general]') !== null`),
	)
}
