package auth

import (
	"strings"
	"testing"

	"github.com/example/myprofile/shared/notify"
)

// The new-device notice renders in every supported language and says
// when, which browser and OS, which IP and which session to end.
func TestTextsRenderInEveryLanguage(t *testing.T) {
	data := newDeviceData{App: "MyProfile", Name: "Ana", When: "2026-01-02 10:00 UTC", Browser: "Firefox", OS: "Linux", IP: "203.0.113.9", SessionID: "sess-42"}
	if err := texts.Check(map[notify.Template]any{newDeviceNotice: data}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "es"} {
		t.Run("new device in "+lang, func(t *testing.T) {
			e, err := newDeviceNotice.Render(lang, data)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []string{"2026-01-02 10:00 UTC", "Firefox", "Linux", "203.0.113.9", "sess-42"} {
				if !strings.Contains(e.Text, w) || !strings.Contains(e.HTML, w) {
					t.Errorf("%s notice lacks %q: %q", lang, w, e.Text)
				}
			}
		})
	}
}
