package events_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	awsevents "github.com/aws/aws-lambda-go/events"

	"github.com/example/myprofile/shared/events"
)

// The sample events in events/myprofile-*.json are what consumers receive:
// each parses as an EventBridge event of a published detail type, with the
// ids, occurredAt and requestId every event carries.
func TestSampleEvents(t *testing.T) {
	files, err := filepath.Glob("../../events/myprofile-*.json")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{events.UserEmailChanged: true, events.UserPhoneChanged: true, events.UserDeleted: true,
		events.MemberAdded: true, events.MemberRemoved: true, events.MemberRoleChanged: true,
		events.OrganizationDeleted: true, events.ProfileUpdated: true}
	seen := map[string]bool{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ev awsevents.EventBridgeEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if ev.Source != events.DefaultSource || !want[ev.DetailType] {
			t.Errorf("%s: source %q detail-type %q", f, ev.Source, ev.DetailType)
		}
		var d map[string]any
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			t.Fatalf("%s detail: %v", f, err)
		}
		for _, k := range []string{"eventId", "occurredAt", "requestId"} {
			if d[k] == nil {
				t.Errorf("%s: detail lacks %s", f, k)
			}
		}
		seen[ev.DetailType] = true
	}
	for dt := range want {
		if !seen[dt] {
			t.Errorf("no sample event of %q in events/", dt)
		}
	}
}
