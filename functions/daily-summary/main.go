// Command daily-summary is the `daily-summary` Lambda: see shared/catalog and shared/digest.
package main

import (
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/dailysummarywire"
)

func main() { app.StartHandler("daily-summary", dailysummarywire.DailySummaryJob) }
