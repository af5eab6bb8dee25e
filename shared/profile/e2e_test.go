package profile_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/profile"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func get(t *testing.T, e *apptest.Env, token string) map[string]any {
	t.Helper()
	return e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: token}).JSON()
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNewUserDefaults(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	me := get(t, e, u.Token)
	want := map[string]any{
		"displayName":    "Ada Lovelace",
		"language":       "en",
		"timezone":       "UTC",
		"avatarUrl":      nil,
		"phone":          nil,
		"phoneFormatted": nil,
		"ssoManaged":     false,
		"signature":      map[string]any{"html": "", "includeInOutgoing": false},
		"dailySummary":   map[string]any{"enabled": false, "time": "07:30"},
		"calendar":       map[string]any{"primaryCalendarId": "", "conflictCalendarIds": []any{}, "privateSyncedEvents": true},
		"availability":   map[string]any{"timezone": "UTC", "meetingLocation": map[string]any{"type": "custom", "details": ""}, "weekly": map[string]any{}},
	}
	for k, v := range want {
		if !reflect.DeepEqual(me[k], v) {
			t.Errorf("%s = %s, want %s", k, asJSON(t, me[k]), asJSON(t, v))
		}
	}
}

// Every editable field is changed and read back.
func TestPatchEveryFieldAndReadBack(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	before := get(t, e, u.Token)
	e.Clock.Advance(time.Minute)
	patch := map[string]any{
		"firstName":   "Grace",
		"lastName":    "Hopper",
		"displayName": "Amazing Grace",
		"language":    "es",
		"region":      "es",
		"timezone":    "Europe/Madrid",
		"signature":   map[string]any{"html": `<p>{{user.full_name}} <a href="https://example.com" onclick="x()">web</a><script>alert(1)</script></p>`, "includeInOutgoing": true},
		"availability": map[string]any{
			"timezone":        "America/New_York",
			"meetingLocation": map[string]any{"type": "phone", "details": "+1 201-555-0123"},
			"weekly": map[string]any{
				"mon": []any{map[string]any{"start": "13:00", "end": "17:00"}, map[string]any{"start": "09:00", "end": "12:00"}},
				"fri": []any{map[string]any{"start": "09:00", "end": "24:00"}},
			},
		},
		"calendar":     map[string]any{"primaryCalendarId": "", "conflictCalendarIds": []any{}, "privateSyncedEvents": false},
		"dailySummary": map[string]any{"enabled": true, "time": "18:45"},
	}
	res := e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: patch})
	got := get(t, e, u.Token)
	if asJSON(t, res.JSON()) != asJSON(t, got) {
		t.Errorf("PATCH answered %s but GET reads %s", res.Body, asJSON(t, got))
	}
	want := map[string]any{
		"firstName": "Grace", "lastName": "Hopper", "displayName": "Amazing Grace", "language": "es", "region": "ES", "timezone": "Europe/Madrid",
		"signature": map[string]any{"html": `<p>{{user.full_name}} <a href="https://example.com" rel="nofollow noreferrer noopener" target="_blank">web</a></p>`, "includeInOutgoing": true},
		"availability": map[string]any{
			"timezone":        "America/New_York",
			"meetingLocation": map[string]any{"type": "phone", "details": "+12015550123"},
			"weekly": map[string]any{
				"mon": []any{map[string]any{"start": "09:00", "end": "12:00"}, map[string]any{"start": "13:00", "end": "17:00"}},
				"fri": []any{map[string]any{"start": "09:00", "end": "24:00"}},
			},
		},
		"calendar":     map[string]any{"primaryCalendarId": "", "conflictCalendarIds": []any{}, "privateSyncedEvents": false},
		"dailySummary": map[string]any{"enabled": true, "time": "18:45"},
	}
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("%s = %s, want %s", k, asJSON(t, got[k]), asJSON(t, v))
		}
	}
	if got["version"].(float64) <= before["version"].(float64) {
		t.Errorf("version %v did not advance from %v", got["version"], before["version"])
	}
	if got["updatedAt"] == before["updatedAt"] {
		t.Errorf("updatedAt %v did not change", got["updatedAt"])
	}

	t.Run("nested members merge", func(t *testing.T) {
		e := e.For(t)
		e.Clock.Advance(time.Second)
		res := e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{
			"availability": map[string]any{"weekly": map[string]any{"fri": nil}},
			"signature":    map[string]any{"includeInOutgoing": false},
		}}).JSON()
		av := res["availability"].(map[string]any)
		if av["timezone"] != "America/New_York" || av["weekly"].(map[string]any)["fri"] != nil || av["weekly"].(map[string]any)["mon"] == nil {
			t.Errorf("availability after merge = %s", asJSON(t, av))
		}
		sig := res["signature"].(map[string]any)
		if sig["includeInOutgoing"] != false || !strings.Contains(sig["html"].(string), "{{user.full_name}}") {
			t.Errorf("signature after merge = %s", asJSON(t, sig))
		}
		if res["updatedAt"] == got["updatedAt"] {
			t.Errorf("updatedAt %v did not advance", res["updatedAt"])
		}
	})
	t.Run("null resets a member to its default", func(t *testing.T) {
		e := e.For(t)
		res := e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{"calendar": nil, "displayName": nil}}).JSON()
		if asJSON(t, res["calendar"]) != `{"conflictCalendarIds":[],"primaryCalendarId":"","privateSyncedEvents":true}` {
			t.Errorf("calendar = %s", asJSON(t, res["calendar"]))
		}
		if again := e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{
			"calendar": map[string]any{"privateSyncedEvents": false}}}).JSON(); again["calendar"].(map[string]any)["privateSyncedEvents"] != false {
			t.Fatalf("calendar = %v", again["calendar"])
		}
		res2 := e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{
			"calendar": map[string]any{"privateSyncedEvents": nil}}}).JSON()
		if res2["calendar"].(map[string]any)["privateSyncedEvents"] != true {
			t.Errorf("privateSyncedEvents after null = %v, want the default true", res2["calendar"])
		}
		if res["displayName"] != "Grace Hopper" {
			t.Errorf("displayName = %v", res["displayName"])
		}
	})
}

// Each invalid value is answered 400 naming the field, and nothing of the
// request is stored, not even its valid members.
func TestPatchInvalidFieldsStoreNothing(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	day := func(iv ...[2]string) []any {
		out := []any{}
		for _, i := range iv {
			out = append(out, map[string]any{"start": i[0], "end": i[1]})
		}
		return out
	}
	eleven := [][2]string{}
	for h := 0; h < 11; h++ {
		eleven = append(eleven, [2]string{strings.Replace("0X:00", "X", string(rune('0'+h%10)), 1), strings.Replace("0X:30", "X", string(rune('0'+h%10)), 1)})
	}
	eleven[10] = [2]string{"20:00", "21:00"}
	conflicts := []any{}
	for i := 0; i < 11; i++ {
		conflicts = append(conflicts, "cal-"+string(rune('a'+i)))
	}
	tests := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"empty first name", map[string]any{"firstName": "   "}, "firstName"},
		{"first name too long", map[string]any{"firstName": strings.Repeat("x", 101)}, "firstName"},
		{"control character in last name", map[string]any{"lastName": "Love\u0007lace"}, "lastName"},
		{"null last name", map[string]any{"lastName": nil}, "lastName"},
		{"display name with a newline", map[string]any{"displayName": "Ada\nL"}, "displayName"},
		{"language not BCP 47", map[string]any{"language": "english please"}, "language"},
		{"unknown region", map[string]any{"region": "XX"}, "region"},
		{"unknown time zone", map[string]any{"timezone": "Mars/Olympus"}, "timezone"},
		{"number as time zone", map[string]any{"timezone": 3}, "timezone"},
		{"email is not patchable", map[string]any{"email": "new@example.com"}, "email"},
		{"phone is not patchable", map[string]any{"phone": "+34600111222"}, "phone"},
		{"version is read-only", map[string]any{"version": 9}, "version"},
		{"unknown member", map[string]any{"nickname": "ada"}, "nickname"},
		{"signature too long", map[string]any{"signature": map[string]any{"html": strings.Repeat("<b>x</b>", 1300)}}, "signature.html"},
		{"signature unknown member", map[string]any{"signature": map[string]any{"css": "x"}}, "signature"},
		{"signature not an object", map[string]any{"signature": "<p>hi</p>"}, "signature"},
		{"availability time zone", map[string]any{"availability": map[string]any{"timezone": "Nowhere/Land"}}, "availability.timezone"},
		{"meeting type", map[string]any{"availability": map[string]any{"meetingLocation": map[string]any{"type": "teams"}}}, "availability.meetingLocation.type"},
		{"zoom link not https", map[string]any{"availability": map[string]any{"meetingLocation": map[string]any{"type": "zoom", "details": "http://zoom.us/j/1"}}}, "availability.meetingLocation.details"},
		{"meeting phone invalid", map[string]any{"availability": map[string]any{"meetingLocation": map[string]any{"type": "phone", "details": "12"}}}, "availability.meetingLocation.details"},
		{"unknown day", map[string]any{"availability": map[string]any{"weekly": map[string]any{"monday": day([2]string{"09:00", "10:00"})}}}, "availability.weekly.monday"},
		{"bad start time", map[string]any{"availability": map[string]any{"weekly": map[string]any{"mon": day([2]string{"9:00", "10:00"})}}}, "availability.weekly.mon[0].start"},
		{"hour 25", map[string]any{"availability": map[string]any{"weekly": map[string]any{"mon": day([2]string{"09:00", "25:00"})}}}, "availability.weekly.mon[0].end"},
		{"start after end", map[string]any{"availability": map[string]any{"weekly": map[string]any{"tue": day([2]string{"12:00", "11:00"})}}}, "availability.weekly.tue[0]"},
		{"overlapping intervals", map[string]any{"availability": map[string]any{"weekly": map[string]any{"wed": day([2]string{"09:00", "12:00"}, [2]string{"11:00", "13:00"})}}}, "availability.weekly.wed"},
		{"eleven intervals", map[string]any{"availability": map[string]any{"weekly": map[string]any{"thu": day(eleven...)}}}, "availability.weekly.thu"},
		{"eleven conflict calendars", map[string]any{"calendar": map[string]any{"conflictCalendarIds": conflicts}}, "calendar.conflictCalendarIds"},
		{"duplicate conflict calendar", map[string]any{"calendar": map[string]any{"conflictCalendarIds": []any{"a", "a"}}}, "calendar.conflictCalendarIds[1]"},
		{"primary among conflicts", map[string]any{"calendar": map[string]any{"primaryCalendarId": "a", "conflictCalendarIds": []any{"a"}}}, "calendar.conflictCalendarIds[0]"},
		{"private synced events not a boolean", map[string]any{"calendar": map[string]any{"privateSyncedEvents": "yes"}}, "calendar"},
		{"daily summary at 25:00", map[string]any{"dailySummary": map[string]any{"enabled": true, "time": "25:00"}}, "dailySummary.time"},
		{"daily summary enabled not a boolean", map[string]any{"dailySummary": map[string]any{"enabled": "yes"}}, "dailySummary"},
	}
	before := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: u.Token}).Body
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e.For(t)
			body := map[string]any{"firstName": "Changed"} // a valid member that must not be stored either
			for k, v := range tc.body {
				body[k] = v
			}
			res := e.Do(apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: body})
			if res.Status != http.StatusBadRequest || res.Code() != "validation_failed" {
				t.Fatalf("status %d code %q, want 400 validation_failed: %s", res.Status, res.Code(), res.Body)
			}
			apptest.WantFieldError(t, res, tc.field)
			if after := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: u.Token}).Body; string(after) != string(before) {
				t.Errorf("profile changed by a refused PATCH:\n%s\n%s", before, after)
			}
		})
	}
}

// Two PATCHes sent with the same ETag: exactly one wins, the other is
// told 412; without If-Match both apply (neither update is lost).
func TestConcurrentPatches(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	etag := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: u.Token}).Header.Get("ETag")
	t.Run("same ETag: one 200, one 412", func(t *testing.T) {
		e := e.For(t)
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, name := range []string{"First", "Second"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e := e.InGoroutine()
				statuses[i] = e.Do(apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token,
					Header: map[string]string{"If-Match": etag}, Body: map[string]any{"firstName": name}}).Status
			}()
		}
		wg.Wait()
		ok, stale := 0, 0
		for _, s := range statuses {
			switch s {
			case http.StatusOK:
				ok++
			case http.StatusPreconditionFailed:
				stale++
			}
		}
		if ok != 1 || stale != 1 {
			t.Errorf("statuses %v, want one 200 and one 412", statuses)
		}
	})
	t.Run("no If-Match: both changes kept", func(t *testing.T) {
		e := e.For(t)
		var wg sync.WaitGroup
		for _, body := range []map[string]any{{"lastName": "Byron"}, {"timezone": "Asia/Tokyo"}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e := e.InGoroutine()
				e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: body})
			}()
		}
		wg.Wait()
		me := get(t, e, u.Token)
		if me["lastName"] != "Byron" || me["timezone"] != "Asia/Tokyo" {
			t.Errorf("lost update: lastName %v timezone %v", me["lastName"], me["timezone"])
		}
	})
}

func TestSignatureRender(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(map[string]any{"firstName": "<Ada>", "lastName": "O'Brien"})
	e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{
		"signature": map[string]any{"html": `<p>{{user.full_name}}<br>{{user.email}} {{user.nope}}</p>`}}})
	t.Run("stored signature by default", func(t *testing.T) {
		e := e.For(t)
		var out struct{ HTML, Text string }
		e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/signature/render", Token: u.Token, Body: map[string]any{}}).Decode(t, &out)
		if want := `<p>&lt;Ada&gt; O&#39;Brien<br>` + u.Email + ` </p>`; out.HTML != want {
			t.Errorf("html = %q, want %q", out.HTML, want)
		}
		if want := "<Ada> O'Brien\n" + u.Email; out.Text != want {
			t.Errorf("text = %q, want %q", out.Text, want)
		}
	})
	t.Run("given html is sanitized first", func(t *testing.T) {
		e := e.For(t)
		var out struct{ HTML, Text string }
		e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/signature/render", Token: u.Token,
			Body: map[string]any{"html": `<img src=x onerror=alert(1)><b>{{user.first_name}}</b><script>alert(2)</script>`}}).Decode(t, &out)
		if out.HTML != `<b>&lt;Ada&gt;</b>` {
			t.Errorf("html = %q", out.HTML)
		}
	})
	t.Run("too long is 400", func(t *testing.T) {
		e := e.For(t)
		res := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/signature/render", Token: u.Token, Body: map[string]any{"html": strings.Repeat("x", 10*1024+1)}})
		if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), `"html"`) {
			t.Errorf("%d %s", res.Status, res.Body)
		}
	})
}

func TestPasswordChange(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(map[string]any{"language": "es"})
	other := e.Login(u.Email, u.Password)
	const newPW = "Another-Secret-77-phrase"

	t.Run("wrong current password is 401", func(t *testing.T) {
		e := e.For(t)
		res := e.Do(apptest.Req{Method: "PUT", Path: "/v1/me/password", Token: u.Token, Body: map[string]any{"currentPassword": "Wrong-password-123", "newPassword": newPW}})
		if res.Status != http.StatusUnauthorized || res.Code() != "invalid_credentials" {
			t.Errorf("%d %s", res.Status, res.Body)
		}
	})
	t.Run("weak new password is 400", func(t *testing.T) {
		e := e.For(t)
		res := e.Do(apptest.Req{Method: "PUT", Path: "/v1/me/password", Token: u.Token, Body: map[string]any{"currentPassword": u.Password, "newPassword": "short"}})
		if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), `"newPassword"`) {
			t.Errorf("%d %s", res.Status, res.Body)
		}
	})
	t.Run("same password is 400", func(t *testing.T) {
		e := e.For(t)
		res := e.Do(apptest.Req{Method: "PUT", Path: "/v1/me/password", Token: u.Token, Body: map[string]any{"currentPassword": u.Password, "newPassword": u.Password}})
		if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "differ") {
			t.Errorf("%d %s", res.Status, res.Body)
		}
	})
	e.Must(http.StatusNoContent, apptest.Req{Method: "PUT", Path: "/v1/me/password", Token: u.Token, Body: map[string]any{"currentPassword": u.Password, "newPassword": newPW}})

	if r := e.Do(apptest.Req{Method: "GET", Path: "/v1/me", Token: other}); r.Status != http.StatusUnauthorized {
		t.Errorf("other device after password change: %d, want 401", r.Status)
	}
	if me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: u.Token}); me.Header.Get("Content-Language") != "es" {
		t.Errorf("Content-Language = %q, want es", me.Header.Get("Content-Language"))
	}
	if r := e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": u.Email, "password": u.Password}}); r.Status != http.StatusUnauthorized {
		t.Errorf("old password still signs in: %d", r.Status)
	}
	e.Login(u.Email, newPW)

	var log struct {
		Entries []struct {
			Action  string            `json:"action"`
			Details map[string]string `json:"details"`
		} `json:"entries"`
	}
	e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/audit", Token: u.Token}).Decode(t, &log)
	audited := false
	for _, en := range log.Entries {
		audited = audited || (en.Action == "password.changed" && en.Details["otherSessionsRevoked"] == "1")
	}
	if !audited {
		t.Errorf("no password.changed audit entry revoking 1 session: %+v", log.Entries)
	}

	mails := e.Emails(u.Email)
	var notice string
	for _, m := range mails {
		if strings.Contains(m.Subject, "contraseña") {
			notice = m.Text
		}
	}
	if notice == "" {
		t.Fatalf("no Spanish password notice among %d emails", len(mails))
	}
	if strings.Contains(notice, newPW) || strings.Contains(notice, u.Password) {
		t.Error("the notice contains a password")
	}
}

// Wrong current passwords are counted like sign-in failures: after the
// limit even the right one is refused until the window passes.
func TestPasswordChangeAttemptsLimited(t *testing.T) {
	e := apptest.New(t, &apptest.Options{Env: map[string]string{"LOGIN_MAX_FAILURES": "3", "LOGIN_WINDOW": "15m"}})
	u := e.SignUp(nil)
	body := func(current string) map[string]any {
		return map[string]any{"currentPassword": current, "newPassword": "Another-Secret-77-phrase"}
	}
	for i := 0; i < 3; i++ {
		if r := e.Do(apptest.Req{Method: "PUT", Path: "/v1/me/password", Token: u.Token, Body: body("Wrong-password-123")}); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	r := e.Do(apptest.Req{Method: "PUT", Path: "/v1/me/password", Token: u.Token, Body: body(u.Password)})
	if r.Status != http.StatusTooManyRequests || r.Code() != "rate_limited" || r.Header.Get("Retry-After") == "" {
		t.Errorf("after the limit: %d %s (Retry-After %q)", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	e.Clock.Advance(16 * time.Minute)
	e.Must(http.StatusNoContent, apptest.Req{Method: "PUT", Path: "/v1/me/password", Token: u.Token, Body: body(u.Password)})
}

func TestPasswordChangeSSOManaged(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	ctx := context.Background()
	st := e.Deps.Store()
	rec, err := st.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec.SSOManaged, rec.IdPURL = true, "https://idp.example.com/login"
	rec.Version++
	if err := st.SaveUser(ctx, rec, rec.Version-1); err != nil {
		t.Fatal(err)
	}
	res := e.Do(apptest.Req{Method: "PUT", Path: "/v1/me/password", Token: u.Token, Body: map[string]any{"currentPassword": u.Password, "newPassword": "Another-Secret-77-phrase"}})
	if res.Status != http.StatusConflict || res.Code() != "sso_managed" || res.JSON()["idpUrl"] != "https://idp.example.com/login" {
		t.Errorf("%d %s", res.Status, res.Body)
	}
	if me := get(t, e, u.Token); me["ssoManaged"] != true {
		t.Errorf("ssoManaged = %v", me["ssoManaged"])
	}
}

// A phone verified before its display formats were stored with it shows
// the number without formats: the profile function links no phone parser
// (the formats come with the next verification of the number), and a
// save keeps the number as it is.
func TestPhoneOfAnEarlierRecord(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	ctx := context.Background()
	st := e.Deps.Store()
	rec, err := st.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec.Phone, rec.PhoneVerified = "+34600111222", true // no PhoneNational, PhoneInternational
	rec.Version++
	if err := st.SaveUser(ctx, rec, rec.Version-1); err != nil {
		t.Fatal(err)
	}
	me := get(t, e, u.Token)
	if me["phone"] != "+34600111222" || me["phoneFormatted"] != nil {
		t.Errorf("GET: phone %v phoneFormatted %s, want the number and null", me["phone"], asJSON(t, me["phoneFormatted"]))
	}
	res := e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{"firstName": "Ana"}})
	if res.JSON()["phone"] != "+34600111222" {
		t.Errorf("PATCH: phone %v", res.JSON()["phone"])
	}
	if rec, err = st.GetUser(ctx, u.ID); err != nil || rec.Phone != "+34600111222" || !rec.PhoneVerified {
		t.Errorf("after PATCH the record has %q verified %v (%v)", rec.Phone, rec.PhoneVerified, err)
	}
}

func TestNotificationPreferences(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	var defaults map[string]map[string]map[string]bool
	e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/notifications", Token: u.Token}).Decode(t, &defaults)
	cats := []string{"messages", "mentions", "assignments", "tasks", "appointments", "opportunities", "account", "contactImports", "billing"}
	for _, pl := range []string{"web", "mobile"} {
		for _, c := range cats {
			if len(defaults[pl][c]) != 4 {
				t.Errorf("default %s.%s = %v, want the four channels", pl, c, defaults[pl][c])
			}
		}
	}
	t.Run("full matrix round trip", func(t *testing.T) {
		e := e.For(t)
		full := map[string]map[string]map[string]bool{}
		i := 0
		for _, pl := range []string{"web", "mobile"} {
			full[pl] = map[string]map[string]bool{}
			for _, c := range cats {
				full[pl][c] = map[string]bool{"inApp": i%2 == 0, "email": i%3 == 0, "push": i%5 == 0, "sms": i%7 == 0}
				i++
			}
		}
		var put, got map[string]map[string]map[string]bool
		e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: "/v1/me/notifications", Token: u.Token, Body: full}).Decode(t, &put)
		e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/notifications", Token: u.Token}).Decode(t, &got)
		if !reflect.DeepEqual(put, full) || !reflect.DeepEqual(got, full) {
			t.Errorf("PUT %v\nGET %v\nwant %v", put, got, full)
		}
	})
	t.Run("partial document merges over defaults", func(t *testing.T) {
		e := e.For(t)
		var got map[string]map[string]map[string]bool
		e.Must(http.StatusOK, apptest.Req{Method: "PUT", Path: "/v1/me/notifications", Token: u.Token,
			Body: map[string]any{"mobile": map[string]any{"billing": map[string]any{"sms": true}}}}).Decode(t, &got)
		want := defaults
		want["mobile"]["billing"]["sms"] = true
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	for _, tc := range []struct {
		name, field string
		body        any
	}{
		{"unknown category", "web.gossip", map[string]any{"web": map[string]any{"gossip": map[string]any{"email": true}}}},
		{"unknown channel", "web.messages.fax", map[string]any{"web": map[string]any{"messages": map[string]any{"fax": true}}}},
		{"unknown platform", "watch", map[string]any{"watch": map[string]any{}}},
		{"not a boolean", "mobile.tasks.push", map[string]any{"mobile": map[string]any{"tasks": map[string]any{"push": "yes"}}}},
	} {
		t.Run(tc.name+" is 400", func(t *testing.T) {
			e := e.For(t)
			before := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/notifications", Token: u.Token}).Body
			res := e.Do(apptest.Req{Method: "PUT", Path: "/v1/me/notifications", Token: u.Token, Body: tc.body})
			apptest.WantFieldError(t, res, tc.field)
			if after := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/notifications", Token: u.Token}).Body; string(after) != string(before) {
				t.Error("a refused PUT changed the preferences")
			}
		})
	}
}

// Concurrent password changes that all passed the current-password check:
// one wins; the others are told (409, or 401 when the winner's hash was
// already stored when they checked), and the password is the winner's.
func TestConcurrentPasswordChangesHaveOneWinner(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	const n = 4
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := e.InGoroutine()
			statuses[i] = e.Do(apptest.Req{Method: "PUT", Path: "/v1/me/password", Token: u.Token,
				Body: map[string]any{"currentPassword": u.Password, "newPassword": fmt.Sprintf("Winner-%d-Secret-phrase", i)}}).Status
		}()
	}
	wg.Wait()
	winner := -1
	for i, s := range statuses {
		switch s {
		case http.StatusNoContent:
			if winner >= 0 {
				t.Fatalf("two changes won: %v", statuses)
			}
			winner = i
		case http.StatusConflict, http.StatusUnauthorized:
		default:
			t.Errorf("change %d: status %d", i, s)
		}
	}
	if winner < 0 {
		t.Fatalf("no change won: %v", statuses)
	}
	e.Login(u.Email, fmt.Sprintf("Winner-%d-Secret-phrase", winner))
}

// The XSS corpus through the API: stored by PATCH /v1/me and rendered by
// POST /v1/me/signature/render, no vector survives in what either returns.
func TestXSSCorpusOverHTTP(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	for i, vector := range profile.XSSCorpus {
		res := e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token,
			Body: map[string]any{"signature": map[string]any{"html": vector}}})
		sig, _ := res.JSON()["signature"].(map[string]any)
		stored, _ := sig["html"].(string)
		if m := profile.Dangerous(stored); m != "" {
			t.Errorf("vector %d stored with %q: %q", i, m, stored)
		}
		var out struct {
			HTML string `json:"html"`
		}
		e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/signature/render", Token: u.Token,
			Body: map[string]any{"html": vector}}).Decode(t, &out)
		if m := profile.Dangerous(out.HTML); m != "" {
			t.Errorf("vector %d rendered with %q: %q", i, m, out.HTML)
		}
	}
}
