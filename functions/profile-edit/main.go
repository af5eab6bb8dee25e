// Command profile-edit is the `profile-edit` Lambda: see shared/catalog for its routes.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/profileeditwire"
)

func main() {
	deps, err := app.Load(context.Background())
	if err != nil {
		slog.Error("cannot start", "function", "profile-edit", "error", err)
		os.Exit(1)
	}
	h, err := deps.HTTPLambda("profile-edit", profileeditwire.Routes)
	if err != nil {
		slog.Error("cannot start", "function", "profile-edit", "error", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
