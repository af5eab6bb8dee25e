package verification

import (
	"strings"
	"testing"

	"github.com/example/myprofile/shared/notify"
)

// Every message renders in every supported language and says what the
// user must check: which address or number it confirms and when it expires.
func TestTemplatesRenderInEveryLanguage(t *testing.T) {
	data := messageData{App: "MyProfile", Code: "123456", Target: "new@example.com", Current: "old@example.com",
		Masked: notify.MaskEmail("new@example.com"), Expires: "10:42 CET (2026-01-02)", Minutes: 10}
	tests := []struct {
		name string
		tpl  notify.Template
		want []string
		not  []string
	}{
		{"code to the new address", emailNewAddress, []string{"123456", "new@example.com", "10:42 CET", "10 min"}, nil},
		{"code to the current address", emailCurrentAddress, []string{"123456", "old@example.com", "new@example.com", "10:42 CET", "10 min"}, nil},
		{"notice to the old address", emailChanged, []string{"n***@example.com", "old@example.com"}, []string{"123456", "new@example.com"}},
		{"SMS", phoneCode, []string{"123456", "new@example.com", "10 min"}, nil},
	}
	// Every file is checked: each message has each language, its keys are
	// in the data and nothing is left unrendered.
	samples := map[notify.Template]any{}
	for _, tc := range tests {
		samples[tc.tpl] = data
	}
	if err := texts.Check(samples); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		for _, lang := range []string{"en", "es"} {
			t.Run(tc.name+" in "+lang, func(t *testing.T) {
				m, err := tc.tpl.Render(lang, data)
				if err != nil {
					t.Fatal(err)
				}
				if tc.tpl != phoneCode && (m.Subject == "" || m.HTML == "") {
					t.Errorf("subject %q or HTML body empty", m.Subject)
				}
				for _, w := range tc.want {
					if !strings.Contains(m.Text, w) {
						t.Errorf("text lacks %q: %q", w, m.Text)
					}
				}
				for _, n := range tc.not {
					if strings.Contains(m.Text, n) || strings.Contains(m.HTML, n) {
						t.Errorf("message contains %q: %q", n, m.Text)
					}
				}
			})
		}
	}
	t.Run("Spanish users get Spanish", func(t *testing.T) {
		m, err := emailNewAddress.Render("es-MX", data)
		if err != nil || !strings.Contains(m.Text, "código") {
			t.Errorf("got %q, %v", m.Text, err)
		}
	})
}
