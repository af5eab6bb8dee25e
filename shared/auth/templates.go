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

// Messages (data: map[string]string; the keys each uses are in its files).
var (
	// SignUpCodeEmail carries the code that proves a new address (App, Name, Code, Expires).
	SignUpCodeEmail = texts.Template("signup-code")
	// SignUpExistingEmail tells the owner of a registered address that
	// someone tried to sign up with it, without a code (App, When).
	SignUpExistingEmail = texts.Template("signup-existing-account")
	// ResetCodeEmail carries a password reset code (App, Name, Code, Expires).
	ResetCodeEmail = texts.Template("password-reset-code")
	// ResetSSOEmail points an SSO-managed account to its identity provider (App, Name, IdP).
	ResetSSOEmail = texts.Template("password-reset-sso")
	// ResetUnknownEmail tells an address without an account that a reset
	// was asked for it (App, When).
	ResetUnknownEmail = texts.Template("password-reset-unknown")
	// PasswordResetEmail is the notice after a reset (App, Name, When).
	PasswordResetEmail = texts.Template("password-reset-done")
)
