// Command auth is the `auth` Lambda: see shared/catalog for its routes.
package main

import (
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/authwire"
)

func main() { app.StartHTTP("auth", authwire.Routes) }
