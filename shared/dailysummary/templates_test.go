package dailysummary

import (
	"testing"

	"github.com/example/myprofile/shared/notify"
)

// Both summaries render in every supported language with the data Render
// gives them (TestContent checks what they say).
func TestTextsRenderInEveryLanguage(t *testing.T) {
	data := map[string]any{"Name": "Ana", "Date": "Friday, January 2, 2026", "AppName": "MyProfile",
		"Timezone": "Europe/Madrid", "Count": 1, "List": "9:00 AM  Task: Taxes"}
	if err := texts.Check(map[notify.Template]any{summaryTemplate: data, emptyTemplate: data}); err != nil {
		t.Fatal(err)
	}
}
