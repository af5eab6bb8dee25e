package twofactor

import (
	"context"
	"embed"
	"strings"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/notify"
)

// noticeData fills the notices. No secret or code ever appears in them.
type noticeData struct {
	App     string
	Name    string
	Factor  string // a human name of the factor, in the message's language
	Code    string // SMS sign-in code (SMS only)
	Minutes int
}

var factorNames = map[string]map[string]string{
	"en": {MethodTOTP: "authenticator app", MethodSMS: "text message (SMS) codes", MethodBackupCode: "backup codes", MethodWebAuthn: "passkey"},
	"es": {MethodTOTP: "aplicación de autenticación", MethodSMS: "códigos por SMS", MethodBackupCode: "códigos de respaldo", MethodWebAuthn: "llave de acceso (passkey)"},
}

// textFiles are the texts of the messages below, one file per message and
// language: texts/<name>.<lang>.tmpl (form: see notify.Catalog).
// Translators edit those files, not Go.
//
//go:embed texts/*.tmpl
var textFiles embed.FS

var texts = notify.NewCatalog(textFiles)

// The notices of a change of the second factors.
var (
	noticeEnabled     = texts.Template("2fa-enabled")
	noticeDisabled    = texts.Template("2fa-disabled")
	noticeRegenerated = texts.Template("2fa-backup-codes")
	// noticeReplay: a code of the authenticator app was used a second time
	// (ASVS 2.8.5): someone may have watched or intercepted it.
	noticeReplay = texts.Template("2fa-totp-replay")
	// noticeLocked: wrong second factors followed the right password
	// until the factors were locked (the first strike, see lockout.go).
	noticeLocked = texts.Template("2fa-locked")
)

// smsSignIn is the SMS with a sign-in code (its text body is sent).
var smsSignIn = texts.Template("2fa-sms")

func (s *Service) data(u account.User, factor string) noticeData {
	base, _ := notify.Lang(u.Language).Base()
	names := factorNames[base.String()]
	if names == nil {
		names = factorNames["en"]
	}
	name := u.DisplayName
	if name == "" {
		name = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	return noticeData{App: s.Issuer, Name: name, Factor: names[factor], Minutes: int(SMSCodeTTL.Minutes())}
}

// notice emails the user. The change it reports is already stored, so a
// delivery failure is logged, not returned.
func (s *Service) notice(ctx context.Context, u account.User, t notify.Template, factor string) {
	e, err := t.Render(u.Language, s.data(u, factor))
	if err == nil {
		e.To = u.Email
		err = s.Mailer.SendEmail(ctx, e)
	}
	if err != nil {
		s.Log.ErrorContext(ctx, "2fa notice not sent", "userId", u.ID, "template", t.Name, "error", err)
	}
}
