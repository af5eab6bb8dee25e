// Command twofactor is the `twofactor` Lambda: see shared/catalog for its routes.
package main

import (
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/twofactorwire"
)

func main() { app.StartHTTP("twofactor", twofactorwire.Routes) }
