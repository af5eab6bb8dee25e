// Command avatar is the `avatar` Lambda: S3 object-created events of the uploads bucket (see shared/catalog).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/avatarwire"
)

func main() {
	deps, err := app.Load(context.Background())
	if err != nil {
		slog.Error("cannot start", "function", "avatar", "error", err)
		os.Exit(1)
	}
	lambda.Start(lambda.NewHandler(avatarwire.Event(deps)))
}
