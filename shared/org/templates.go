package org

import "github.com/example/myprofile/shared/notify"

// InvitationEmail invites a new member; it carries the single-use token.
var InvitationEmail = notify.Template{Name: "invitation", Texts: map[string]notify.Text{
	"en": {Subject: "{{.Inviter}} invited you to {{.Org}} on {{.App}}", Paragraphs: []string{
		"Hello {{.Name}},",
		"{{.Inviter}} invited you to join {{.Org}} on {{.App}}.",
		"To accept, choose a password in the app with this invitation code:\n{{.Token}}",
		"The invitation works once and expires on {{.Expires}} (UTC). If you did not expect it, ignore this email.",
	}},
	"es": {Subject: "{{.Inviter}} te ha invitado a {{.Org}} en {{.App}}", Paragraphs: []string{
		"Hola, {{.Name}}:",
		"{{.Inviter}} te ha invitado a unirte a {{.Org}} en {{.App}}.",
		"Para aceptar, elige una contraseña en la aplicación con este código de invitación:\n{{.Token}}",
		"La invitación sirve una sola vez y caduca el {{.Expires}} (UTC). Si no la esperabas, ignora este correo.",
	}},
}}

// InvitationExistingEmail invites an existing account: it joins only when
// it accepts the invitation while signed in (nothing changes until then).
var InvitationExistingEmail = notify.Template{Name: "invitation-existing-account", Texts: map[string]notify.Text{
	"en": {Subject: "{{.Inviter}} invited you to {{.Org}} on {{.App}}", Paragraphs: []string{
		"Hello,",
		"{{.Inviter}} invited you to join {{.Org}} on {{.App}}.",
		"To accept, sign in to {{.App}} with your account and enter this invitation code:\n{{.Token}}",
		"Until you accept, you are not a member and the organization sees nothing of your account. The invitation works once and expires on {{.Expires}} (UTC). If you did not expect it, ignore this email.",
	}},
	"es": {Subject: "{{.Inviter}} te ha invitado a {{.Org}} en {{.App}}", Paragraphs: []string{
		"Hola:",
		"{{.Inviter}} te ha invitado a unirte a {{.Org}} en {{.App}}.",
		"Para aceptar, inicia sesión en {{.App}} con tu cuenta e introduce este código de invitación:\n{{.Token}}",
		"Hasta que aceptes, no eres miembro y la organización no ve nada de tu cuenta. La invitación sirve una sola vez y caduca el {{.Expires}} (UTC). Si no la esperabas, ignora este correo.",
	}},
}}
