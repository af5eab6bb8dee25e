// Command infra is the CDK app: `npx cdk synth` runs it (cdk.json "app"),
// and it can run alone with `go run ./infra` (output in CDK_OUTDIR or cdk.out).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/myprofile/shared/catalog"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	defer jsii.Close()

	app := awscdk.NewApp(nil)
	s, err := resolveSettings(app, nil)
	if err != nil {
		return err
	}
	if err := ensureBootstraps(ctx, s.assetDir, catalog.All()); err != nil {
		return err
	}
	if _, err := NewMyProfileStack(app, "MyProfile-"+s.stage, &MyProfileStackProps{
		StackProps: awscdk.StackProps{Env: env()},
	}); err != nil {
		return err
	}
	app.Synth(nil)
	return nil
}

// env pins the stack to the account and region the CDK CLI found in the
// credentials; without them (offline synth, CI) the stack is
// environment-agnostic and resolves both at deploy time.
func env() *awscdk.Environment {
	account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
	if account == "" || region == "" {
		return nil
	}
	return &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
}
