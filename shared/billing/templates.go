package billing

import (
	"embed"

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

// textFiles are the texts of the messages below, one file per message and
// language: texts/<name>.<lang>.tmpl (form: see notify.Catalog).
// Translators edit those files, not Go.
//
//go:embed texts/*.tmpl
var textFiles embed.FS

var texts = notify.NewCatalog(textFiles)

// lowCreditEmail is the alert by email.
var lowCreditEmail = texts.Template("low-credit")

// lowCreditSMS is the alert by SMS.
var lowCreditSMS = texts.Template("low-credit-sms")
