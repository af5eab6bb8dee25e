package connections

import (
	"embed"

	"github.com/example/myprofile/shared/notify"
)

// textFiles are the texts of the messages below, one file per message and
// language: texts/<name>.<lang>.tmpl (form: see notify.Catalog).
//
//go:embed texts/*.tmpl
var textFiles embed.FS

var texts = notify.NewCatalog(textFiles)

// ReconnectNeeded tells the user a provider stopped accepting a
// connection (sent once per failure).
var ReconnectNeeded = texts.Template("reconnect-needed")
