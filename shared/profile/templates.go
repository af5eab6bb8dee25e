package profile

import (
	"embed"

	"github.com/example/myprofile/shared/notify"
)

// textFiles are the texts of the messages below, one file per message and
// language: texts/<name>.<lang>.tmpl (form: see notify.Catalog).
// Translators edit those files, not Go.
//
//go:embed texts/*.tmpl
var textFiles embed.FS

var texts = notify.NewCatalog(textFiles)

// PasswordChanged is the notice sent after a password change.
var PasswordChanged = texts.Template("password-changed")
