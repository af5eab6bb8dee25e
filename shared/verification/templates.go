package verification

import "github.com/example/myprofile/shared/notify"

// Data of the messages. Codes appear only in the messages themselves.
type messageData struct {
	App     string
	Code    string
	Target  string // the new address or number
	Current string // the current address
	Masked  string // the new address, masked (notice to the old address)
	Expires string // expiry in the user's time zone
	Minutes int
}

// emailNewAddress goes to the new address: its code proves the user reads it.
var emailNewAddress = notify.Template{
	Name: "email-change-new",
	Texts: map[string]notify.Text{
		"en": {
			Subject: "{{.App}}: confirm your new sign-in email",
			Paragraphs: []string{
				"You asked to use {{.Target}} as the sign-in email of your {{.App}} account.",
				"Your code for this new address ({{.Target}}) is:\n{{.Code}}",
				"It expires in {{.Minutes}} minutes, at {{.Expires}}. You also need the code we sent to your current address.",
				"If you did not ask for this, ignore this message: nothing changes without both codes.",
			},
		},
		"es": {
			Subject: "{{.App}}: confirma tu nuevo correo de acceso",
			Paragraphs: []string{
				"Has pedido usar {{.Target}} como correo de acceso de tu cuenta de {{.App}}.",
				"Tu código para esta nueva dirección ({{.Target}}) es:\n{{.Code}}",
				"Caduca en {{.Minutes}} minutos, a las {{.Expires}}. También necesitas el código que enviamos a tu dirección actual.",
				"Si no lo has pedido tú, ignora este mensaje: nada cambia sin los dos códigos.",
			},
		},
	},
}

// emailCurrentAddress goes to the current address: its code proves the
// owner of the account agrees to the change.
var emailCurrentAddress = notify.Template{
	Name: "email-change-current",
	Texts: map[string]notify.Text{
		"en": {
			Subject: "{{.App}}: confirm the change of your sign-in email",
			Paragraphs: []string{
				"Someone, hopefully you, asked to change the sign-in email of your {{.App}} account from this address ({{.Current}}) to {{.Target}}.",
				"Your code for your current address ({{.Current}}) is:\n{{.Code}}",
				"It expires in {{.Minutes}} minutes, at {{.Expires}}. The code sent to the new address is needed too.",
				"If this was not you, do not share this code and change your password: without it the email stays as it is.",
			},
		},
		"es": {
			Subject: "{{.App}}: confirma el cambio de tu correo de acceso",
			Paragraphs: []string{
				"Alguien, esperamos que tú, ha pedido cambiar el correo de acceso de tu cuenta de {{.App}} de esta dirección ({{.Current}}) a {{.Target}}.",
				"Tu código para tu dirección actual ({{.Current}}) es:\n{{.Code}}",
				"Caduca en {{.Minutes}} minutos, a las {{.Expires}}. También hace falta el código enviado a la nueva dirección.",
				"Si no has sido tú, no compartas este código y cambia tu contraseña: sin él el correo no cambia.",
			},
		},
	},
}

// emailChanged tells the old address that it no longer signs in.
var emailChanged = notify.Template{
	Name: "email-changed",
	Texts: map[string]notify.Text{
		"en": {
			Subject: "{{.App}}: your sign-in email was changed",
			Paragraphs: []string{
				"The sign-in email of your {{.App}} account was changed to {{.Masked}}. This address ({{.Current}}) no longer signs in.",
				"If this was not you, contact your administrator or our support right away.",
			},
		},
		"es": {
			Subject: "{{.App}}: tu correo de acceso ha cambiado",
			Paragraphs: []string{
				"El correo de acceso de tu cuenta de {{.App}} ha cambiado a {{.Masked}}. Esta dirección ({{.Current}}) ya no sirve para iniciar sesión.",
				"Si no has sido tú, contacta de inmediato con tu administrador o con nuestro soporte.",
			},
		},
	},
}

// phoneCode is the SMS (its text body is sent).
var phoneCode = notify.Template{
	Name: "phone-change",
	Texts: map[string]notify.Text{
		"en": {
			Subject:    "{{.App}} code",
			Paragraphs: []string{"{{.App}}: {{.Code}} is your code to confirm {{.Target}} as your phone number. It expires in {{.Minutes}} minutes. Do not share it."},
		},
		"es": {
			Subject:    "Código de {{.App}}",
			Paragraphs: []string{"{{.App}}: {{.Code}} es tu código para confirmar {{.Target}} como tu teléfono. Caduca en {{.Minutes}} minutos. No lo compartas."},
		},
	},
}
