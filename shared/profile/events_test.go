package profile_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/example/myprofile/shared/app/apptest"
)

// A saved profile change publishes one Profile Updated with the changed
// field names and no values; a refused or no-op patch publishes none.
func TestProfileUpdatedEvents(t *testing.T) {
	e, rec := apptest.NewWithEvents(t, map[string]string{"EVENT_BUS_NAME": "platform"}, nil)
	u := e.SignUp(nil)
	// fieldsOf lists the fields of each Profile Updated about u, in order.
	fieldsOf := func() [][]string {
		t.Helper()
		var out [][]string
		for _, ev := range rec.Events() {
			if ev.DetailType != "Profile Updated" {
				continue
			}
			var d struct {
				UserID     string   `json:"userId"`
				Fields     []string `json:"fields"`
				EventID    string   `json:"eventId"`
				OccurredAt string   `json:"occurredAt"`
				RequestID  string   `json:"requestId"`
			}
			if err := json.Unmarshal(ev.Detail, &d); err != nil {
				t.Fatal(err)
			}
			var all map[string]any
			_ = json.Unmarshal(ev.Detail, &all)
			if len(all) != 5 || ev.Source != "myprofile" || ev.EventBusName != "platform" || d.EventID == "" || d.OccurredAt == "" || d.RequestID == "" {
				t.Errorf("Profile Updated is not {userId, fields, eventId, occurredAt, requestId} on the bus: %+v %s", ev, ev.Detail)
			}
			for _, secret := range []string{"Zed", "Marsh", "Europe/Madrid"} {
				if strings.Contains(string(ev.Detail), secret) {
					t.Errorf("Profile Updated carries the value %q: %s", secret, ev.Detail)
				}
			}
			if d.UserID == u.ID {
				out = append(out, d.Fields)
			}
		}
		return out
	}
	want := [][]string{}
	check := func(step string) {
		t.Helper()
		if got := fieldsOf(); len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
			t.Fatalf("after %s: Profile Updated fields %v, want %v", step, got, want)
		}
	}
	patch := func(body map[string]any, ifMatch string) *apptest.Response {
		r := apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: body}
		if ifMatch != "" {
			r.Header = map[string]string{"If-Match": ifMatch}
		}
		return e.Do(r)
	}

	if res := patch(map[string]any{"displayName": "Zed", "timezone": "Europe/Madrid"}, ""); res.Status != http.StatusOK {
		t.Fatalf("patch: %d %s", res.Status, res.Body)
	}
	want = append(want, []string{"displayName", "timezone"})
	check("a saved patch")

	// The same values again: saved, but nothing changed.
	if res := patch(map[string]any{"displayName": "Zed", "timezone": "Europe/Madrid"}, ""); res.Status != http.StatusOK {
		t.Fatalf("no-op patch: %d %s", res.Status, res.Body)
	}
	check("a no-op patch")
	// Refused: invalid, read-only and stale.
	for name, res := range map[string]*apptest.Response{
		"invalid":   patch(map[string]any{"timezone": "Mars/Olympus"}, ""),
		"read-only": patch(map[string]any{"email": "x@example.com", "lastName": "Marsh"}, ""),
		"stale":     patch(map[string]any{"lastName": "Marsh"}, `"v1"`),
	} {
		if res.Status < 400 {
			t.Fatalf("%s patch accepted: %d %s", name, res.Status, res.Body)
		}
	}
	check("refused patches")

	// The staff route: an owner edits a profile in the organization.
	e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/users/" + u.ID, Token: u.Token, Body: map[string]any{"lastName": "Marsh"}})
	want = append(want, []string{"lastName"})
	check("a staff edit")
	e.Must(http.StatusOK, apptest.Req{Method: "PATCH", Path: "/v1/users/" + u.ID, Token: u.Token, Body: map[string]any{"lastName": "Marsh"}})
	check("a no-op staff edit")
}
