package profile

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/example/myprofile/shared/account"
)

// ApplyPatch decodes untrusted JSON: it never panics, a refused patch
// leaves the user as it was, and an accepted one yields a profile that
// passes its own validation again (applying it twice changes nothing more).
func FuzzApplyPatch(f *testing.F) {
	for _, seed := range []string{
		`{"firstName":"Ada"}`, `{"signature":{"html":"<b>x</b><script>1</script>"}}`,
		`{"availability":{"weekly":{"mon":[{"start":"09:00","end":"10:00"}]}}}`,
		`{"availability":{"meetingLocation":{"type":"phone","details":"+34600111222"}}}`,
		`{"calendar":{"conflictCalendarIds":["a","b"],"primaryCalendarId":"c"}}`,
		`{"calendar":null,"displayName":null}`, `{"email":"x"}`, `[]`, `{"signature":"x"}`,
	} {
		f.Add([]byte(seed))
	}
	base := account.User{ID: "u1", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Version: 3,
		CreatedAt: time.Unix(0, 0).UTC()}
	base.Defaults()
	f.Fuzz(func(t *testing.T, body []byte) {
		before, _ := json.Marshal(base)
		got, err := ApplyPatch(base, body)
		after, _ := json.Marshal(base)
		if string(before) != string(after) {
			t.Fatal("ApplyPatch changed its input")
		}
		if err != nil {
			return
		}
		again, err := ApplyPatch(got, body)
		if err != nil {
			t.Fatalf("an accepted patch is refused on its own result: %v", err)
		}
		if !reflect.DeepEqual(normal(t, again), normal(t, got)) {
			t.Fatalf("patch is not idempotent:\n%+v\n%+v", got, again)
		}
	})
}

func normal(t *testing.T, u account.User) map[string]any {
	raw, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
