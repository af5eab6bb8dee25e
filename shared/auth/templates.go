package auth

import "github.com/example/myprofile/shared/notify"

// SignUpCodeEmail carries the code that proves a new address.
var SignUpCodeEmail = notify.Template{Name: "signup-code", Texts: map[string]notify.Text{
	"en": {Subject: "Your {{.App}} sign-up code", Paragraphs: []string{
		"Hello {{.Name}},",
		"To finish creating your {{.App}} account, enter this code:\n{{.Code}}",
		"The code works once and expires in 15 minutes ({{.Expires}} UTC). If you did not sign up, ignore this email: no account is created without the code.",
	}},
	"es": {Subject: "Tu código de registro en {{.App}}", Paragraphs: []string{
		"Hola, {{.Name}}:",
		"Para terminar de crear tu cuenta de {{.App}}, introduce este código:\n{{.Code}}",
		"El código sirve una sola vez y caduca en 15 minutos ({{.Expires}} UTC). Si no te has registrado, ignora este correo: sin el código no se crea ninguna cuenta.",
	}},
}}

// SignUpExistingEmail tells the owner of an address that already has an
// account that someone tried to sign up with it (no code).
var SignUpExistingEmail = notify.Template{Name: "signup-existing-account", Texts: map[string]notify.Text{
	"en": {Subject: "Someone tried to sign up to {{.App}} with your address", Paragraphs: []string{
		"Hello,",
		"Someone tried to create a {{.App}} account with this email address on {{.When}} (UTC). This address already has an account, so nothing was created.",
		"If it was you, sign in with your password. If you forgot it, choose \"Forgot password\" on the sign-in page to get a reset code by email.",
		"If it was not you, you can ignore this email: your account is unchanged.",
	}},
	"es": {Subject: "Alguien ha intentado registrarse en {{.App}} con tu dirección", Paragraphs: []string{
		"Hola:",
		"Alguien ha intentado crear una cuenta de {{.App}} con esta dirección de correo el {{.When}} (UTC). Esta dirección ya tiene una cuenta, así que no se ha creado nada.",
		"Si has sido tú, inicia sesión con tu contraseña. Si la has olvidado, elige «He olvidado mi contraseña» en la página de inicio de sesión para recibir un código por correo.",
		"Si no has sido tú, puedes ignorar este correo: tu cuenta no ha cambiado.",
	}},
}}

// ResetCodeEmail carries the code that lets a person choose a new password.
var ResetCodeEmail = notify.Template{Name: "password-reset-code", Texts: map[string]notify.Text{
	"en": {Subject: "Your {{.App}} password reset code", Paragraphs: []string{
		"Hello {{.Name}},",
		"Someone (we hope you) asked to reset the password of your {{.App}} account. To choose a new password, enter this code:\n{{.Code}}",
		"The code works once and expires in 15 minutes ({{.Expires}} UTC). If you did not ask, ignore this email: your password is unchanged.",
	}},
	"es": {Subject: "Tu código para restablecer la contraseña de {{.App}}", Paragraphs: []string{
		"Hola, {{.Name}}:",
		"Alguien (esperamos que tú) ha pedido restablecer la contraseña de tu cuenta de {{.App}}. Para elegir una contraseña nueva, introduce este código:\n{{.Code}}",
		"El código sirve una sola vez y caduca en 15 minutos ({{.Expires}} UTC). Si no lo has pedido, ignora este correo: tu contraseña no ha cambiado.",
	}},
}}

// ResetSSOEmail answers a reset request of an account whose sign-in is
// managed by an identity provider: the password is changed there.
var ResetSSOEmail = notify.Template{Name: "password-reset-sso", Texts: map[string]notify.Text{
	"en": {Subject: "Your {{.App}} password is managed by your organization", Paragraphs: []string{
		"Hello {{.Name}},",
		"Someone asked to reset the password of your {{.App}} account. Your organization manages your sign-in, so {{.App}} has no password to reset.",
		"Sign in, or reset your password, at your identity provider:\n{{.IdP}}",
		"If you did not ask, ignore this email.",
	}},
	"es": {Subject: "Tu organización gestiona tu contraseña de {{.App}}", Paragraphs: []string{
		"Hola, {{.Name}}:",
		"Alguien ha pedido restablecer la contraseña de tu cuenta de {{.App}}. Tu organización gestiona tu inicio de sesión, así que {{.App}} no tiene ninguna contraseña que restablecer.",
		"Inicia sesión, o restablece tu contraseña, en tu proveedor de identidad:\n{{.IdP}}",
		"Si no lo has pedido, ignora este correo.",
	}},
}}

// ResetUnknownEmail answers a reset request for an address no account
// uses: the request is answered the same and costs the same (a mail), and
// the person learns to try another address.
var ResetUnknownEmail = notify.Template{Name: "password-reset-unknown", Texts: map[string]notify.Text{
	"en": {Subject: "{{.App}} password reset", Paragraphs: []string{
		"Hello,",
		"Someone asked to reset the {{.App}} password of this email address on {{.When}} (UTC), but no {{.App}} account uses this address.",
		"If it was you, you may have signed up with another address: try that one. If it was not you, ignore this email.",
	}},
	"es": {Subject: "Restablecer la contraseña de {{.App}}", Paragraphs: []string{
		"Hola:",
		"Alguien ha pedido restablecer la contraseña de {{.App}} de esta dirección de correo el {{.When}} (UTC), pero ninguna cuenta de {{.App}} usa esta dirección.",
		"Si has sido tú, quizá te registraste con otra dirección: prueba con esa. Si no has sido tú, ignora este correo.",
	}},
}}

// PasswordResetEmail is the notice sent after a password was reset with a
// code.
var PasswordResetEmail = notify.Template{Name: "password-reset-done", Texts: map[string]notify.Text{
	"en": {Subject: "Your {{.App}} password was reset", Paragraphs: []string{
		"Hello {{.Name}},",
		"The password of your {{.App}} account was reset with a code sent to this address on {{.When}} (UTC). Every device was signed out.",
		"If you did not do this, reset your password again right away and contact your administrator.",
	}},
	"es": {Subject: "Se ha restablecido tu contraseña de {{.App}}", Paragraphs: []string{
		"Hola, {{.Name}}:",
		"La contraseña de tu cuenta de {{.App}} se restableció con un código enviado a esta dirección el {{.When}} (UTC). Se ha cerrado la sesión en todos los dispositivos.",
		"Si no has sido tú, vuelve a restablecer tu contraseña de inmediato y ponte en contacto con tu administrador.",
	}},
}}

// Templates are every message auth sends (for the rendering tests).
var Templates = []notify.Template{SignUpCodeEmail, SignUpExistingEmail, ResetCodeEmail, ResetSSOEmail, ResetUnknownEmail, PasswordResetEmail}
