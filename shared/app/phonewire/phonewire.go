// Package phonewire builds the phone function: the phone change confirmed
// with a code texted to the new number (shared/verification). It is the
// only function that links the phone number parser with its full
// metadata (shared/phone/libphone, about 8 ms at start-up), so that the
// email change (the verification function) does not pay for it.
package phonewire

import (
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/smswire"
	"github.com/example/myprofile/shared/app/verificationwire"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/phone/libphone"
)

// Routes are the phone function's routes.
func Routes(d *app.Deps) (httpapi.Routes, error) {
	v, err := verificationwire.Service(d)
	if err != nil {
		return nil, err
	}
	v.Phones, v.Texter = libphone.Parser{}, smswire.Texter(d)
	return v.PhoneRoutes(), nil
}
