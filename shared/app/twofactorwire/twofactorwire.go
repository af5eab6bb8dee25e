// Package twofactorwire builds the two-factor service: the twofactor function's
// routes and the second step of sign-in in auth.
package twofactorwire

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/mailwire"
	"github.com/example/myprofile/shared/app/smswire"
	"github.com/example/myprofile/shared/datakey"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/store/twofactordb"
	"github.com/example/myprofile/shared/twofactor"
)

// Service returns the two-factor service. It needs the data key that seals
// TOTP secrets and the WebAuthn relying party.
func Service(d *app.Deps) (*twofactor.Service, error) {
	keys, err := dataKey(d)
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
		SMSPerIP: d.SMSPerIP(),
		Issuer:   d.Config.AppName, Now: d.Now, Log: d.Log, WebAuthn: wa, Audit: d.Audit(),
		Metrics: d.Metrics,
	}, nil
}

// SecretsManager is the service name of the Secrets Manager client
// (app.Deps.SetClient).
const SecretsManager = "secretsmanager"

// dataKey is the key that seals TOTP secrets and SMS sign-in codes: read
// from the secret MFA_DATA_KEY_SECRET names at first use (the stack's
// way), or MFA_DATA_KEY's value (local, tests, or a deploy that supplies
// the value itself).
func dataKey(d *app.Deps) (twofactor.KeySource, error) {
	if id := d.Config.MFADataKeySecret; id != "" {
		c := app.Client(d, SecretsManager, func(cfg aws.Config) *secretsmanager.Client { return secretsmanager.NewFromConfig(cfg) })
		return &datakey.Secret{Client: c, ID: id}, nil
	}
	if len(d.Config.MFADataKey) != 32 {
		return nil, fmt.Errorf("app: MFA_DATA_KEY_SECRET or MFA_DATA_KEY is required in stage %q (32 random bytes, base64)", d.Config.Stage)
	}
	return twofactor.StaticKey(d.Config.MFADataKey), nil
}

// Routes are the twofactor function's routes.
func Routes(d *app.Deps) (httpapi.Routes, error) {
	m, err := Service(d)
	if err != nil {
		return nil, err
	}
	return m.Routes(), nil
}
