package twofactor

import (
	"strings"
	"testing"

	"github.com/example/myprofile/shared/notify"
)

// Every notice and the sign-in SMS render in every supported language; a
// notice names the factor and never carries a code.
func TestTextsRenderInEveryLanguage(t *testing.T) {
	data := noticeData{App: "MyProfile", Name: "Ana", Factor: "passkey", Code: "123456", Minutes: 5}
	notices := []notify.Template{noticeEnabled, noticeDisabled, noticeRegenerated, noticeReplay, noticeLocked}
	samples := map[notify.Template]any{smsSignIn: data, smsStepUp: data}
	for _, n := range notices {
		samples[n] = data
	}
	if err := texts.Check(samples); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "es"} {
		for _, n := range notices {
			t.Run(n.Name+" in "+lang, func(t *testing.T) {
				e, err := n.Render(lang, data)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(e.Text, "Ana") || !strings.Contains(e.Subject, "MyProfile") {
					t.Errorf("subject %q, text %q", e.Subject, e.Text)
				}
				if strings.Contains(e.Text+e.HTML, "123456") {
					t.Errorf("notice carries a code: %q", e.Text)
				}
			})
		}
		for _, sms := range []notify.Template{smsSignIn, smsStepUp} {
			t.Run(sms.Name+" SMS in "+lang, func(t *testing.T) {
				e, err := sms.Render(lang, data)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(e.Text, "123456") || !strings.Contains(e.Text, "5 min") {
					t.Errorf("SMS %q", e.Text)
				}
			})
		}
	}
	for _, n := range []notify.Template{noticeEnabled, noticeDisabled} {
		e, err := n.Render("en", data)
		if err != nil || !strings.Contains(e.Text, "passkey") {
			t.Errorf("%s does not name the factor: %q, %v", n.Name, e.Text, err)
		}
	}
}
