// Command events-outbox is the `events-outbox` Lambda: see shared/catalog for its trigger.
package main

import (
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/eventswire"
)

func main() { app.StartHandler("events-outbox", eventswire.SweepJob) }
