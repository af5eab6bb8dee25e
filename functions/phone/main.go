// Command phone is the `phone` Lambda: see shared/catalog for its routes.
package main

import (
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/phonewire"
)

func main() { app.StartHTTP("phone", phonewire.Routes) }
