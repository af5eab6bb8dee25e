// Command profile-edit is the `profile-edit` Lambda: see shared/catalog for its routes.
package main

import (
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/profileeditwire"
)

func main() { app.StartHTTP("profile-edit", profileeditwire.Routes) }
