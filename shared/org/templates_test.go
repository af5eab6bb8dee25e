package org

import (
	"strings"
	"testing"

	"github.com/example/myprofile/shared/notify"
)

// Both invitations render in every supported language and carry who
// invites, to what, the single-use code and its expiry.
func TestTextsRenderInEveryLanguage(t *testing.T) {
	data := map[string]string{"App": "MyProfile", "Name": "Ana", "Inviter": "Bob", "Org": "Acme", "Token": "inv-123", "Expires": "2026-01-02 10:00"}
	if err := texts.Check(map[notify.Template]any{InvitationEmail: data, InvitationExistingEmail: data}); err != nil {
		t.Fatal(err)
	}
	for _, tpl := range []notify.Template{InvitationEmail, InvitationExistingEmail} {
		for _, lang := range []string{"en", "es"} {
			t.Run(tpl.Name+" in "+lang, func(t *testing.T) {
				e, err := tpl.Render(lang, data)
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range []string{"Bob", "Acme", "inv-123", "2026-01-02 10:00"} {
					if !strings.Contains(e.Text, w) {
						t.Errorf("text lacks %q: %q", w, e.Text)
					}
				}
				if !strings.Contains(e.HTML, "inv-123") {
					t.Errorf("HTML lacks the code: %s", e.HTML)
				}
			})
		}
	}
	// An existing account is not greeted by name: nothing of it is read.
	e, err := InvitationExistingEmail.Render("en", data)
	if err != nil || strings.Contains(e.Text, "Ana") {
		t.Errorf("existing-account invitation names the invitee: %q, %v", e.Text, err)
	}
}
