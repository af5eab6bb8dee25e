package billing

import (
	"strings"
	"testing"

	"github.com/example/myprofile/shared/notify"
)

// Every alert renders in every supported language with the balance and
// the threshold the member set.
func TestTextsRenderInEveryLanguage(t *testing.T) {
	data := alertData{App: "MyProfile", Name: "Ana", Balance: "12,50 €", Threshold: "20,00 €"}
	if err := texts.Check(map[notify.Template]any{lowCreditEmail: data, lowCreditSMS: data}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "es"} {
		t.Run("email in "+lang, func(t *testing.T) {
			e, err := lowCreditEmail.Render(lang, data)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []string{"12,50 €", "20,00 €", "Ana"} {
				if !strings.Contains(e.Text, w) || !strings.Contains(e.HTML, w) {
					t.Errorf("bodies lack %q: %q", w, e.Text)
				}
			}
			if !strings.Contains(e.Subject, "12,50 €") {
				t.Errorf("subject %q lacks the balance", e.Subject)
			}
		})
		t.Run("SMS in "+lang, func(t *testing.T) {
			m, err := lowCreditSMS.SMS(lang, data)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(m, "MyProfile: ") || !strings.Contains(m, "12,50 €") || !strings.Contains(m, "20,00 €") || strings.HasSuffix(m, "\n") {
				t.Errorf("SMS %q", m)
			}
		})
	}
	m, err := lowCreditSMS.SMS("es-AR", data)
	if err != nil || !strings.Contains(m, "saldo") {
		t.Errorf("Spanish member: got %q, %v", m, err)
	}
}
