// Package twofactorwire builds the two-factor service: the twofactor function's
// routes and the second step of sign-in in auth.
package twofactorwire

import (
	"fmt"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/datakeywire"
	"github.com/example/myprofile/shared/app/mailwire"
	"github.com/example/myprofile/shared/app/smswire"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/phone"
	"github.com/example/myprofile/shared/store/twofactordb"
	"github.com/example/myprofile/shared/twofactor"
)

// Service returns the two-factor service. It needs the data key that seals
// TOTP secrets and the WebAuthn relying party.
func Service(d *app.Deps) (*twofactor.Service, error) {
	keys, err := datakeywire.Keys(d)
	if err != nil {
		return nil, err
	}
	if d.Config.WebAuthnRPID == "" || len(d.Config.WebAuthnOrigins) == 0 {
		return nil, fmt.Errorf("app: WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS are required in stage %q", d.Config.Stage)
	}
	wa, err := twofactor.NewWebAuthn(d.Config.WebAuthnRPID, d.Config.AppName, d.Config.WebAuthnOrigins)
	if err != nil {
		return nil, err
	}
	st := twofactordb.New(d.Store())
	return &twofactor.Service{
		Store: st, Users: st, Sessions: d.Sessions(), Reauth: d.Reauth(), Hasher: d.Hasher,
		Mailer: mailwire.Mailer(d), Texter: smswire.Texter(d), Sealer: twofactor.Sealer{Keys: keys},
		Failures: d.Limiter(d.Config.LoginWindow, d.Config.LoginMaxFailures),
		SMS:      phone.NewSMSGuard(d.Store(), d.Now, d.Config),
		Issuer:   d.Config.AppName, Now: d.Now, Log: d.Log, WebAuthn: wa, Audit: d.Audit(),
		Metrics: d.Metrics, PasskeyLogins: st,
	}, nil
}

// SecretsManager is the service name of the Secrets Manager client
// (app.Deps.SetClient).
const SecretsManager = datakeywire.SecretsManager

// Routes are the twofactor function's routes.
func Routes(d *app.Deps) (httpapi.Routes, error) {
	m, err := Service(d)
	if err != nil {
		return nil, err
	}
	return m.Routes(), nil
}
