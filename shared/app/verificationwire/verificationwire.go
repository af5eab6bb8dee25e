// Package verifywire builds the verification function: email and phone
// changes confirmed with codes.
package verificationwire

import (
	"time"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/datakeywire"
	"github.com/example/myprofile/shared/app/eventswire"
	"github.com/example/myprofile/shared/app/mailwire"
	"github.com/example/myprofile/shared/app/smswire"
	"github.com/example/myprofile/shared/datakey/keyedhash"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/phone"
	"github.com/example/myprofile/shared/store/verificationdb"
	"github.com/example/myprofile/shared/verification"
)

// Routes are the verification function's routes.
func Routes(d *app.Deps) (httpapi.Routes, error) {
	keys, err := datakeywire.Keys(d)
	if err != nil {
		return nil, err
	}
	v := &verification.Service{
		Codes: verification.CodeHashes{Hasher: keyedhash.Hasher{Keys: keys}},
		Store: verificationdb.New(d.Store()), Sessions: d.Sessions(), Reauth: d.Reauth(),
		Requests: d.Limiter(time.Hour, 5), SMS: phone.NewSMSGuard(d.Store(), d.Now, d.Config),
		RecipientHour: d.Limiter(time.Hour, d.Config.EmailChangePerRecipientHour),
		RecipientDay:  d.Limiter(24*time.Hour, d.Config.EmailChangePerRecipientDay),
		Mailer:        mailwire.Mailer(d), Texter: smswire.Texter(d),
		Now: d.Now, Log: d.Log, AppName: d.Config.AppName, Audit: d.Audit(), Metrics: d.Metrics,
		Events: eventswire.Emitter(d),
	}
	return v.Routes(), nil
}
