// Package verificationwire builds the verification function (the email
// change confirmed with codes) and the service the phone function
// (package phonewire) serves the phone change with.
package verificationwire

import (
	"time"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/datakeywire"
	"github.com/example/myprofile/shared/app/eventswire"
	"github.com/example/myprofile/shared/app/mailwire"
	"github.com/example/myprofile/shared/datakey/keyedhash"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/phone"
	"github.com/example/myprofile/shared/store/verificationdb"
	"github.com/example/myprofile/shared/verification"
)

// Routes are the verification function's routes: the email change. It
// links no phone number parser (the phone function's).
func Routes(d *app.Deps) (httpapi.Routes, error) {
	v, err := Service(d)
	if err != nil {
		return nil, err
	}
	v.Mailer = mailwire.Mailer(d)
	return v.EmailRoutes(), nil
}

// Service is the verification service without its senders and phone
// parser (Service.Mailer, Texter, Phones), which each function sets for
// what it serves.
func Service(d *app.Deps) (*verification.Service, error) {
	keys, err := datakeywire.Keys(d)
	if err != nil {
		return nil, err
	}
	return &verification.Service{
		Codes: verification.CodeHashes{Hasher: keyedhash.Hasher{Keys: keys}},
		Store: verificationdb.New(d.Store()), Sessions: d.Sessions(), Reauth: d.Reauth(),
		Requests: d.Limiter(time.Hour, 5), SMS: phone.NewSMSGuard(d.Store(), d.Now, d.Config),
		RecipientHour: d.Limiter(time.Hour, d.Config.EmailChangePerRecipientHour),
		RecipientDay:  d.Limiter(24*time.Hour, d.Config.EmailChangePerRecipientDay),
		Now:           d.Now, Log: d.Log, AppName: d.Config.AppName, Audit: d.Audit(), Metrics: d.Metrics,
		Events: eventswire.Emitter(d),
	}, nil
}
