// Command activities is the `activities` Lambda: see shared/catalog and shared/digest.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/activitieswire"
)

func main() {
	deps, err := app.Load(context.Background())
	if err != nil {
		slog.Error("cannot start", "function", "activities", "error", err)
		os.Exit(1)
	}
	lambda.Start(lambda.NewHandler(activitieswire.Job(deps)))
}
