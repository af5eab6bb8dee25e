package auth

import (
	"embed"

	"github.com/example/myprofile/shared/notify"
)

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

// textFiles are the texts of the messages below, one file per message and
// language: texts/<name>.<lang>.tmpl (form: see notify.Catalog).
// Translators edit those files, not Go.
//
//go:embed texts/*.tmpl
var textFiles embed.FS

var texts = notify.NewCatalog(textFiles)

// newDeviceNotice tells the user of a sign-in from a device not seen for
// them in 90 days.
var newDeviceNotice = texts.Template("new-device-sign-in")
