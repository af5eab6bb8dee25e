// Command sessions is the `sessions` Lambda: see shared/catalog for its routes.
package main

import (
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/sessionswire"
)

func main() { app.StartHTTP("sessions", sessionswire.Routes) }
