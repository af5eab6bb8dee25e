package auth

import "github.com/example/myprofile/shared/notify"

// newDeviceData fills the new-device notice. It names the session so the
// user can end it; it never carries a token.
type newDeviceData struct {
	App       string
	Name      string
	When      string // UTC, "2006-01-02 15:04 UTC"
	Browser   string
	OS        string
	IP        string
	SessionID string
}

var newDeviceNotice = notify.Template{
	Name: "new-device-sign-in",
	Texts: map[string]notify.Text{
		"en": {
			Subject: "{{.App}}: new sign-in from {{.Browser}} on {{.OS}}",
			Paragraphs: []string{
				"Hello {{.Name}},",
				"Your {{.App}} account was signed in to from a device we have not seen for this account recently:\nWhen: {{.When}}\nBrowser: {{.Browser}} on {{.OS}}\nIP address: {{.IP}}",
				"If this was you, there is nothing to do.",
				"If it was not, end that session now: in {{.App}} open Settings > Security > Sessions and sign out the session {{.SessionID}} (or sign out all other sessions), then change your password and turn on two-factor sign-in.",
				"You get this email because new-device notices are on in your notification preferences (Account, email).",
			},
		},
		"es": {
			Subject: "{{.App}}: nuevo inicio de sesión desde {{.Browser}} en {{.OS}}",
			Paragraphs: []string{
				"Hola, {{.Name}}:",
				"Se ha iniciado sesión en tu cuenta de {{.App}} desde un dispositivo que no hemos visto recientemente en esta cuenta:\nCuándo: {{.When}}\nNavegador: {{.Browser}} en {{.OS}}\nDirección IP: {{.IP}}",
				"Si has sido tú, no tienes que hacer nada.",
				"Si no has sido tú, cierra esa sesión ahora: en {{.App}} abre Configuración > Seguridad > Sesiones y cierra la sesión {{.SessionID}} (o todas las demás sesiones); después cambia tu contraseña y activa la verificación en dos pasos.",
				"Recibes este correo porque los avisos de nuevos dispositivos están activados en tus preferencias de notificación (Cuenta, correo electrónico).",
			},
		},
	},
}
