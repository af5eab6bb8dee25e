// Command connections is the `connections` Lambda: see shared/catalog for its routes.
package main

import (
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/connectionswire"
)

func main() { app.StartHTTP("connections", connectionswire.Routes) }
