package org

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

// InvitationEmail invites a new member; it carries the single-use token.
var InvitationEmail = texts.Template("invitation")

// InvitationExistingEmail invites an existing account: it joins only when
// it accepts the invitation while signed in (nothing changes until then).
var InvitationExistingEmail = texts.Template("invitation-existing-account")
