// Command verification is the `verification` Lambda: see shared/catalog for its routes.
package main

import (
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/verificationwire"
)

func main() { app.StartHTTP("verification", verificationwire.Routes) }
