package twofactor

import (
	"context"
	"strings"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/notify"
)

// noticeData fills the notices. No secret or code ever appears in them.
type noticeData struct {
	App     string
	Name    string
	Factor  string // a human name of the factor, in the message's language
	Code    string // SMS sign-in code (SMS only)
	Minutes int
}

var factorNames = map[string]map[string]string{
	"en": {MethodTOTP: "authenticator app", MethodSMS: "text message (SMS) codes", MethodBackupCode: "backup codes", MethodWebAuthn: "passkey"},
	"es": {MethodTOTP: "aplicación de autenticación", MethodSMS: "códigos por SMS", MethodBackupCode: "códigos de respaldo", MethodWebAuthn: "llave de acceso (passkey)"},
}

var noticeEnabled = notify.Template{
	Name: "2fa-enabled",
	Texts: map[string]notify.Text{
		"en": {
			Subject: "{{.App}}: two-factor sign-in method added",
			Paragraphs: []string{
				"Hello {{.Name}},",
				"A second sign-in step was added to your {{.App}} account: {{.Factor}}.",
				"If this was not you, change your password now and review your two-factor settings and sessions.",
			},
		},
		"es": {
			Subject: "{{.App}}: método de verificación en dos pasos añadido",
			Paragraphs: []string{
				"Hola, {{.Name}}:",
				"Se ha añadido un segundo paso de acceso a tu cuenta de {{.App}}: {{.Factor}}.",
				"Si no has sido tú, cambia tu contraseña ahora y revisa la verificación en dos pasos y tus sesiones.",
			},
		},
	},
}

var noticeDisabled = notify.Template{
	Name: "2fa-disabled",
	Texts: map[string]notify.Text{
		"en": {
			Subject: "{{.App}}: two-factor sign-in method removed",
			Paragraphs: []string{
				"Hello {{.Name}},",
				"A second sign-in step was removed from your {{.App}} account: {{.Factor}}.",
				"If this was not you, change your password now and turn two-factor sign-in back on.",
			},
		},
		"es": {
			Subject: "{{.App}}: método de verificación en dos pasos eliminado",
			Paragraphs: []string{
				"Hola, {{.Name}}:",
				"Se ha eliminado un segundo paso de acceso de tu cuenta de {{.App}}: {{.Factor}}.",
				"Si no has sido tú, cambia tu contraseña ahora y vuelve a activar la verificación en dos pasos.",
			},
		},
	},
}

var noticeRegenerated = notify.Template{
	Name: "2fa-backup-codes",
	Texts: map[string]notify.Text{
		"en": {
			Subject: "{{.App}}: new backup codes",
			Paragraphs: []string{
				"Hello {{.Name}},",
				"New backup codes were made for your {{.App}} account. The previous ones no longer work.",
				"If this was not you, change your password now and review your sessions.",
			},
		},
		"es": {
			Subject: "{{.App}}: nuevos códigos de respaldo",
			Paragraphs: []string{
				"Hola, {{.Name}}:",
				"Se han generado nuevos códigos de respaldo para tu cuenta de {{.App}}. Los anteriores ya no sirven.",
				"Si no has sido tú, cambia tu contraseña ahora y revisa tus sesiones.",
			},
		},
	},
}

// noticeReplay: a code of the authenticator app was used a second time
// (ASVS 2.8.5): someone may have watched or intercepted it.
var noticeReplay = notify.Template{
	Name: "2fa-totp-replay",
	Texts: map[string]notify.Text{
		"en": {
			Subject: "{{.App}}: an authenticator code was used twice",
			Paragraphs: []string{
				"Hello {{.Name}},",
				"A code from your authenticator app that had already been used was entered again while signing in to {{.App}}. It was refused.",
				"If this was not you, someone may know your password: change it now and review your sessions.",
			},
		},
		"es": {
			Subject: "{{.App}}: se ha usado dos veces un código de autenticación",
			Paragraphs: []string{
				"Hola, {{.Name}}:",
				"Se ha vuelto a introducir un código ya usado de tu aplicación de autenticación al acceder a {{.App}}. Se ha rechazado.",
				"Si no has sido tú, alguien puede conocer tu contraseña: cámbiala ahora y revisa tus sesiones.",
			},
		},
	},
}

// smsSignIn is the SMS with a sign-in code (its text body is sent).
var smsSignIn = notify.Template{
	Name: "2fa-sms",
	Texts: map[string]notify.Text{
		"en": {
			Subject:    "{{.App}} code",
			Paragraphs: []string{"{{.App}}: {{.Code}} is your sign-in code. It expires in {{.Minutes}} minutes. Do not share it."},
		},
		"es": {
			Subject:    "Código de {{.App}}",
			Paragraphs: []string{"{{.App}}: {{.Code}} es tu código de acceso. Caduca en {{.Minutes}} minutos. No lo compartas."},
		},
	},
}

func (s *Service) data(u account.User, factor string) noticeData {
	base, _ := notify.Lang(u.Language).Base()
	names := factorNames[base.String()]
	if names == nil {
		names = factorNames["en"]
	}
	name := u.DisplayName
	if name == "" {
		name = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	return noticeData{App: s.Issuer, Name: name, Factor: names[factor], Minutes: int(SMSCodeTTL.Minutes())}
}

// notice emails the user. The change it reports is already stored, so a
// delivery failure is logged, not returned.
func (s *Service) notice(ctx context.Context, u account.User, t notify.Template, factor string) {
	e, err := t.Render(u.Language, s.data(u, factor))
	if err == nil {
		e.To = u.Email
		err = s.Mailer.SendEmail(ctx, e)
	}
	if err != nil {
		s.Log.ErrorContext(ctx, "2fa notice not sent", "userId", u.ID, "template", t.Name, "error", err)
	}
}
