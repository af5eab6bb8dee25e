package billing

import (
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/notify"
)

// alertData is what the alert messages show.
type alertData struct {
	App       string
	Name      string
	Balance   string // formatted for the member's locale
	Threshold string
}

func messageData(u account.User, app string, balance, threshold Money) alertData {
	tag := Locale(u.Language, u.Region)
	if app == "" {
		app = "MyProfile"
	}
	name := u.FirstName
	if name == "" {
		name = u.DisplayName
	}
	return alertData{App: app, Name: name, Balance: FormatMoney(balance, tag), Threshold: FormatMoney(threshold, tag)}
}

var lowCreditEmail = notify.Template{
	Name: "low-credit",
	Texts: map[string]notify.Text{
		"en": {
			Subject: "{{.App}}: your balance is low ({{.Balance}})",
			Paragraphs: []string{
				"Hello {{.Name}},",
				"Your organization's balance is {{.Balance}}, below the {{.Threshold}} alert threshold you set.",
				"Add credit to keep your services running. You will not get this alert again until the balance is back at or above {{.Threshold}} and falls below it once more.",
				"You can change this alert in My Profile > Billing alert.",
			},
		},
		"es": {
			Subject: "{{.App}}: tu saldo es bajo ({{.Balance}})",
			Paragraphs: []string{
				"Hola, {{.Name}}:",
				"El saldo de tu organización es {{.Balance}}, por debajo del umbral de alerta de {{.Threshold}} que configuraste.",
				"Añade crédito para que tus servicios sigan funcionando. No volverás a recibir esta alerta hasta que el saldo vuelva a {{.Threshold}} o más y baje de nuevo.",
				"Puedes cambiar esta alerta en Mi perfil > Alerta de facturación.",
			},
		},
	},
}

// lowCreditSMS is rendered for its subject only: the SMS text.
var lowCreditSMS = notify.Template{
	Name: "low-credit-sms",
	Texts: map[string]notify.Text{
		"en": {Subject: "{{.App}}: your organization's balance is {{.Balance}}, below your {{.Threshold}} alert threshold."},
		"es": {Subject: "{{.App}}: el saldo de tu organización es {{.Balance}}, por debajo de tu umbral de alerta de {{.Threshold}}."},
	},
}
