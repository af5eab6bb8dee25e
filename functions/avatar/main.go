// Command avatar is the `avatar` Lambda: S3 object-created events of the uploads bucket (see shared/catalog).
package main

import (
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/avatarwire"
)

func main() { app.StartHandler("avatar", avatarwire.Event) }
