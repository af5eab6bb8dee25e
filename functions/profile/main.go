// Command profile is the `profile` Lambda: see shared/catalog for its routes.
package main

import (
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/profilewire"
)

func main() { app.StartHTTP("profile", profilewire.Routes) }
