package avatar_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/myprofile/shared/avatar"
)

// The sample event (make invoke FN=avatar) is what S3 sends: it decodes
// and names an upload key the processor accepts.
func TestSampleEvent(t *testing.T) {
	raw, err := os.ReadFile("../../events/avatar-upload.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.S3Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(ev.Records) != 1 {
		t.Fatalf("%d records, want 1", len(ev.Records))
	}
	rec := ev.Records[0]
	uid, id, ok := avatar.ParseUploadKey(rec.S3.Object.Key)
	if !ok || uid == "" || id == "" || rec.S3.Object.Size <= 0 || rec.S3.Bucket.Name == "" {
		t.Errorf("record %+v: key ok %v", rec.S3, ok)
	}
	again, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var back events.S3Event
	if err := json.Unmarshal(again, &back); err != nil || back.Records[0].S3.Object.Key != rec.S3.Object.Key {
		t.Errorf("round trip: %v %+v", err, back)
	}
}
