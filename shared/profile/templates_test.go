package profile

import (
	"strings"
	"testing"

	"github.com/example/myprofile/shared/notify"
)

// The password notice renders in every supported language with the time
// of the change.
func TestTextsRenderInEveryLanguage(t *testing.T) {
	data := map[string]string{"App": "MyProfile", "Name": "Ana", "When": "2026-01-02 10:00"}
	if err := texts.Check(map[notify.Template]any{PasswordChanged: data}); err != nil {
		t.Fatal(err)
	}
	for lang, word := range map[string]string{"en": "password", "es": "contraseña"} {
		e, err := PasswordChanged.Render(lang, data)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(e.Subject, word) || !strings.Contains(e.Text, "2026-01-02 10:00") || !strings.Contains(e.Text, "Ana") {
			t.Errorf("%s: subject %q, text %q", lang, e.Subject, e.Text)
		}
	}
}
