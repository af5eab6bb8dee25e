// Command activities is the `activities` Lambda: see shared/catalog and shared/digest.
package main

import (
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/activitieswire"
)

func main() { app.StartHandler("activities", activitieswire.Job) }
