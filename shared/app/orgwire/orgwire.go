// Package orgwire builds the organizations service: staff, invitations,
// roles and audit listings (profile-edit function), accepting an invitation
// (auth function) and account deletion.
package orgwire

import (
	"context"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/eventswire"
	"github.com/example/myprofile/shared/app/mailwire"
	"github.com/example/myprofile/shared/org"
	"github.com/example/myprofile/shared/password/strength"
	"github.com/example/myprofile/shared/store/orgdb"
)

// Service returns the organizations service. onDelete are the hooks that
// remove a deleted account's data kept outside the table (avatar objects);
// a function that does not delete accounts passes none.
func Service(d *app.Deps, onDelete []func(context.Context, account.User) error) *org.Service {
	st := orgdb.New(d.Store())
	return &org.Service{
		Store: st, Users: st, AuditLog: st, Audit: d.Audit(), Sessions: d.Sessions(), Reauth: d.Reauth(),
		Hasher: d.Hasher, Policy: strength.FromConfig(d.Config, d.Metrics), Mailer: mailwire.Mailer(d),
		AppName: d.Config.AppName, Now: d.Now, Log: d.Log,
		// The pseudonym only has to be stable per deployment and not
		// computable from the id alone by outsiders of it.
		PseudonymKey: []byte("audit-pseudonym:" + d.Config.Stage + ":" + d.Config.TableName),
		Invites:      d.Limiter(24*time.Hour, 100),
		InvitesTo:    d.Limiter(24*time.Hour, 3),
		Exports:      d.Limiter(24*time.Hour, 5),
		Events:       eventswire.Emitter(d),
		InviteExpiry: d.Config.InviteTTL,
		OnDelete:     onDelete,
	}
}
