// Command daily-summary is the `daily-summary` Lambda: see shared/catalog and shared/digest.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/dailysummarywire"
)

func main() {
	deps, err := app.Load(context.Background())
	if err != nil {
		slog.Error("cannot start", "function", "daily-summary", "error", err)
		os.Exit(1)
	}
	lambda.Start(lambda.NewHandler(dailysummarywire.DailySummaryJob(deps)))
}
