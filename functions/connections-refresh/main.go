// Command connections-refresh is the `connections-refresh` Lambda: see shared/catalog (renews connection tokens about to expire).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/connectionswire"
)

func main() {
	deps, err := app.Load(context.Background())
	if err != nil {
		slog.Error("cannot start", "function", "connections-refresh", "error", err)
		os.Exit(1)
	}
	lambda.Start(lambda.NewHandler(connectionswire.RefreshJob(deps)))
}
