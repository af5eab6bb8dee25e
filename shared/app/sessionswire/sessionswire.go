// Package sessionswire builds the sessions function: listing and revoking
// the signed-in user's sessions (shared/sessions).
package sessionswire

import (
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/httpapi"
)

// Routes are the sessions function's routes.
func Routes(d *app.Deps) (httpapi.Routes, error) { return d.Sessions().Routes(), nil }
