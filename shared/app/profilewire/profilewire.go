// Package profilewire builds the profile function: GET /v1/me, the
// hottest route, and the notification preferences. It links DynamoDB's
// client and nothing heavier (no sanitizer, no other AWS client), so the
// function starts about as fast as one that does nothing; the edits of the
// profile are the profile-edit function (profileeditwire).
package profilewire

import (
	"maps"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/prefs"
	"github.com/example/myprofile/shared/profile/basic"
	"github.com/example/myprofile/shared/store/prefsdb"
)

// Routes are the profile function's routes.
func Routes(d *app.Deps) (httpapi.Routes, error) {
	sessions := d.Sessions()
	rs := basic.Routes(sessions)
	maps.Copy(rs, (&prefs.Service{Store: prefsdb.New(d.Store()), Sessions: sessions}).Routes())
	return rs, nil
}
