// Command balances is the `balances` Lambda: see shared/catalog for its trigger.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/billingwire"
)

func main() {
	deps, err := app.Load(context.Background())
	if err != nil {
		slog.Error("cannot start", "function", "balances", "error", err)
		os.Exit(1)
	}
	lambda.Start(lambda.NewHandler(billingwire.BalancesJob(deps)))
}
