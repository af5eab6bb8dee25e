package dailysummary

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

// The summary lists the day's activities; a day without any gets a short
// "nothing scheduled" email, so a user who turned the summary on can tell
// it works (decided in issue 6; tested in TestContent).
var (
	summaryTemplate = texts.Template("daily-summary")
	emptyTemplate   = texts.Template("daily-summary-empty")
)
