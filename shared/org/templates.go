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

// AddedEmail tells an existing account it joined another organization.
var AddedEmail = notify.Template{Name: "added-to-organization", Texts: map[string]notify.Text{
	"en": {Subject: "You were added to {{.Org}} on {{.App}}", Paragraphs: []string{
		"Hello {{.Name}},",
		"{{.Inviter}} added you to {{.Org}} on {{.App}}. Sign in as usual and choose the organization in the app.",
		"If you did not expect this, contact your administrator.",
	}},
	"es": {Subject: "Te han añadido a {{.Org}} en {{.App}}", Paragraphs: []string{
		"Hola, {{.Name}}:",
		"{{.Inviter}} te ha añadido a {{.Org}} en {{.App}}. Inicia sesión como siempre y elige la organización en la aplicación.",
		"Si no lo esperabas, ponte en contacto con tu administrador.",
	}},
}}
