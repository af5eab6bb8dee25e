package verification

import (
	"embed"

	"github.com/example/myprofile/shared/notify"
)

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

// textFiles are the texts of the messages below, one file per message and
// language: texts/<name>.<lang>.tmpl (form: see notify.Catalog).
// Translators edit those files, not Go.
//
//go:embed texts/*.tmpl
var textFiles embed.FS

var texts = notify.NewCatalog(textFiles)

// emailNewAddress goes to the new address: its code proves the user reads it.
var emailNewAddress = texts.Template("email-change-new")

// emailCurrentAddress goes to the current address: its code proves the
// owner of the account agrees to the change.
var emailCurrentAddress = texts.Template("email-change-current")

// emailChanged tells the old address that it no longer signs in.
var emailChanged = texts.Template("email-changed")

// phoneCode is the SMS (its text body is sent).
var phoneCode = texts.Template("phone-change-sms")
