// Package authwire builds the auth function: sign-up with an emailed code,
// forgotten password, sign-in and sign-out,
// the second step of a two-factor sign-in and accepting an invitation.
package authwire

import (
	"maps"
	"time"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/mailwire"
	"github.com/example/myprofile/shared/app/orgwire"
	"github.com/example/myprofile/shared/app/ssowire"
	"github.com/example/myprofile/shared/app/twofactorwire"
	"github.com/example/myprofile/shared/auth"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/password/strength"
	"github.com/example/myprofile/shared/store/authdb"
	"github.com/example/myprofile/shared/store/prefsdb"
)

// Routes are the auth function's routes.
func Routes(d *app.Deps) (httpapi.Routes, error) {
	m, err := twofactorwire.Service(d)
	if err != nil {
		return nil, err
	}
	a := &auth.Service{
		Store: authdb.New(d.Store()), Sessions: d.Sessions(), Hasher: d.Hasher,
		Policy:        strength.FromConfig(d.Config, d.Metrics),
		Failures:      d.Fair(d.Config.LoginWindow, d.Config.LoginMaxFailures),
		FailuresPerIP: d.Fair(d.Config.LoginWindow, d.Config.LoginMaxFailuresPerIP),
		Signups:       d.Limiter(time.Hour, 20),
		SignupEnabled: d.Config.SignupEnabled, Now: d.Now, Log: d.Log,
		Audit: d.Audit(), Metrics: d.Metrics,
		// Sign-up and reset codes: 5 mails an hour per address, 20
		// requests an hour per client IP; the codes are HMAC'd under the
		// 2FA data key (one key source, so one secret read per container).
		SignupMails: d.Limiter(time.Hour, 5),
		Resets:      d.Limiter(time.Hour, 20), ResetMails: d.Limiter(time.Hour, 5),
		Keys: m.Sealer.Keys, Devices: authdb.New(d.Store()), Prefs: prefsdb.New(d.Store()), Mailer: mailwire.Mailer(d), AppName: d.Config.AppName,
	}
	a.SecondFactor = m
	routes := a.Routes()
	maps.Copy(routes, m.LoginRoutes(a.IssueSession))
	// POST /v1/auth/accept-invite; accounts are deleted by the profile
	// function, so no deletion hooks here.
	maps.Copy(routes, orgwire.Service(d, nil).AuthRoutes())
	// POST /v1/auth/sso/start and /callback: sessions without our second
	// factor (the identity provider owns MFA).
	sso, err := ssowire.Service(d, a)
	if err != nil {
		return nil, err
	}
	maps.Copy(routes, sso.SignInRoutes())
	// Every route here but sign-out is reachable without a session: each
	// gets a per-IP limit (issue 18).
	return d.LimitPerIP(routes, "POST /v1/auth/logout"), nil
}
