package auth

import (
	"strings"
	"testing"

	"github.com/example/myprofile/shared/notify"
)

// Every message renders in every supported language; codes appear only in
// the messages that carry one.
func TestTemplatesRenderInEveryLanguage(t *testing.T) {
	data := map[string]string{"App": "MyProfile", "Name": "Ada", "Code": "123456", "Expires": "2026-01-02 10:42",
		"When": "2026-01-02 10:27", "IdP": "https://idp.example.com/login"}
	tests := []struct {
		name string
		tpl  notify.Template
		want []string
		not  []string
	}{
		{"sign-up code", SignUpCodeEmail, []string{"123456", "2026-01-02 10:42"}, nil},
		{"sign-up of a registered address", SignUpExistingEmail, []string{"2026-01-02 10:27"}, []string{"123456"}},
		{"reset code", ResetCodeEmail, []string{"123456", "2026-01-02 10:42"}, nil},
		{"reset of an SSO-managed account", ResetSSOEmail, []string{"https://idp.example.com/login"}, []string{"123456"}},
		{"reset of an unknown address", ResetUnknownEmail, []string{"2026-01-02 10:27"}, []string{"123456"}},
		{"reset notice", PasswordResetEmail, []string{"2026-01-02 10:27"}, []string{"123456"}},
	}
	device := newDeviceData{App: "MyProfile", Name: "Ana", When: "2026-01-02 10:00 UTC", Browser: "Firefox", OS: "Linux", IP: "203.0.113.9", SessionID: "sess-42"}
	samples := map[notify.Template]any{newDeviceNotice: device}
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
				for _, w := range tc.want {
					if !strings.Contains(m.Text, w) {
						t.Errorf("text %q does not contain %q", m.Text, w)
					}
				}
				for _, n := range tc.not {
					if strings.Contains(m.Text, n) || strings.Contains(m.Subject, n) {
						t.Errorf("message contains %q: %q", n, m.Text)
					}
				}
			})
		}
	}
}

// The new-device notice says when, which browser and OS, which IP and
// which session to end, in text and HTML.
func TestNewDeviceNoticeNamesTheDevice(t *testing.T) {
	data := newDeviceData{App: "MyProfile", Name: "Ana", When: "2026-01-02 10:00 UTC", Browser: "Firefox", OS: "Linux", IP: "203.0.113.9", SessionID: "sess-42"}
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
