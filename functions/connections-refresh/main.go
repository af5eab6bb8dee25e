// Command connections-refresh is the `connections-refresh` Lambda: see shared/catalog (renews connection tokens about to expire).
package main

import (
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/connectionswire"
)

func main() { app.StartHandler("connections-refresh", connectionswire.RefreshJob) }
