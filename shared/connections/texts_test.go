package connections

import (
	"strings"
	"testing"

	"github.com/example/myprofile/shared/notify"
)

// The reconnect notice renders in every supported language naming the
// provider and the account.
func TestTextsRenderInEveryLanguage(t *testing.T) {
	data := map[string]string{"App": "MyProfile", "Name": "Ana", "Provider": "Google", "Account": "ana@gmail.example"}
	if err := texts.Check(map[notify.Template]any{ReconnectNeeded: data}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "es"} {
		e, err := ReconnectNeeded.Render(lang, data)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(e.Subject, "Google") || !strings.Contains(e.Text, "ana@gmail.example") || !strings.Contains(e.Text, "Ana") {
			t.Errorf("%s: subject %q, text %q", lang, e.Subject, e.Text)
		}
	}
}
