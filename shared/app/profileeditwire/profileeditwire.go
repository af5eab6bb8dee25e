// Package profileeditwire builds the profile-edit function: the profile
// edits, password, avatar, billing alert, staff, organization and SSO
// administration and account deletion routes. The reads of the profile and
// the notification preferences are the profile function (profilewire).
package profileeditwire

import (
	"maps"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/avatarwire"
	"github.com/example/myprofile/shared/app/billingwire"
	"github.com/example/myprofile/shared/app/connectionswire"
	"github.com/example/myprofile/shared/app/eventswire"
	"github.com/example/myprofile/shared/app/mailwire"
	"github.com/example/myprofile/shared/app/orgwire"
	"github.com/example/myprofile/shared/app/ssowire"
	"github.com/example/myprofile/shared/app/twofactorwire"
	"github.com/example/myprofile/shared/dailysummary"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/password/strength"
	"github.com/example/myprofile/shared/profile"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/dailysummarydb"
)

var _ profile.Store = (*store.Store)(nil)

// Routes are the profile-edit function's routes.
func Routes(d *app.Deps) (httpapi.Routes, error) {
	st := d.Store()
	sessions := d.Sessions()
	p := &profile.Service{Store: st, Sessions: sessions, Now: d.Now, Events: eventswire.Emitter(d)}
	// The daily summary's due index follows the profile.
	p.AfterSave = append(p.AfterSave, (&dailysummary.Scheduler{Store: dailysummarydb.New(st), Now: d.Now}).AfterSave)
	// A chosen calendar must be one of the connected accounts'.
	check, err := connectionswire.CalendarCheck(d)
	if err != nil {
		return nil, err
	}
	p.CheckCalendar = check
	// A zoom meeting location without a link gets the connected Zoom
	// account's personal meeting link.
	link, err := connectionswire.MeetingLink(d)
	if err != nil {
		return nil, err
	}
	p.Complete = append(p.Complete, link)
	rs := p.Routes()
	pw := &profile.PasswordService{
		Reauth: d.Reauth(), Hasher: d.Hasher, Policy: strength.FromConfig(d.Config, d.Metrics),
		Store: st, Sessions: sessions, Mailer: mailwire.Mailer(d), AppName: d.Config.AppName, Now: d.Now, Log: d.Log,
		Audit: d.Audit(),
	}
	maps.Copy(rs, pw.Routes())
	maps.Copy(rs, avatarwire.Service(d).Routes())
	maps.Copy(rs, billingwire.Service(d).Routes(sessions.Require))
	// Deleting the account revokes and deletes its connections.
	connHooks, err := connectionswire.DeleteHooks(d)
	if err != nil {
		return nil, err
	}
	o := orgwire.Service(d, append(avatarwire.DeleteHooks(d), connHooks...))
	// DELETE /v1/me with 2FA on needs a current second factor.
	tf, err := twofactorwire.Service(d)
	if err != nil {
		return nil, err
	}
	o.SecondFactor = tf
	maps.Copy(rs, o.Routes()) // /v1/users*, DELETE /v1/me, audit listings
	sso, err := ssowire.Service(d, nil)
	if err != nil {
		return nil, err
	}
	maps.Copy(rs, sso.ConfigRoutes()) // /v1/organizations/{id}/sso and /domains
	return rs, nil
}
