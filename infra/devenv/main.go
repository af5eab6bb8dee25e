// Command devenv runs a command with the local AWS stand-ins around it:
//
//	go run ./infra/devenv [-free-ports] [-v] -- go test ./...
//
// It starts DynamoDB Local, the SES v2 emulator and the SNS recorder (unless
// the matching AWS_ENDPOINT_URL_* is already set), runs the command with
// those endpoint variables plus dummy credentials and region us-east-1,
// forwards SIGINT and SIGTERM to it, stops the services and exits with the
// command's exit code.
//
// Ports: DYNAMODB_PORT (8000), SES_PORT (8005), SNS_PORT (8006), all on
// 127.0.0.1; -free-ports picks free ones instead so that tests never clash
// with a running `make run`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/example/myprofile/infra/localcloud"
)

func main() {
	os.Exit(run())
}

func run() int {
	fs := flag.NewFlagSet("devenv", flag.ContinueOnError)
	freePorts := fs.Bool("free-ports", false, "start the services on free ports instead of DYNAMODB_PORT, SES_PORT, SNS_PORT")
	verbose := fs.Bool("v", false, "show the services' own output on stderr")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: devenv [-free-ports] [-v] -- command [args...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	args := fs.Args()
	if len(args) == 0 {
		fs.Usage()
		return 2
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))

	opts, err := localcloud.EnvOptionsFromEnv(os.Getenv, *freePorts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "devenv:", err)
		return 2
	}
	if *verbose {
		opts.Log = os.Stderr
	} else {
		opts.Log = io.Discard
	}

	// Ctrl-C while the services start aborts the start.
	startCtx, stopStart := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env, err := localcloud.StartEnv(startCtx, opts)
	stopStart()
	if err != nil {
		fmt.Fprintln(os.Stderr, "devenv:", err)
		return 1
	}
	defer env.Stop()
	fmt.Fprintf(os.Stderr, "devenv: dynamodb=%s ses=%s sns=%s eventbridge=%s\n", env.DynamoDB, env.SES, env.SNS, env.EventBridge)

	return runChild(env, args)
}

// runChild runs the command, forwarding signals, and returns its exit code.
func runChild(env *localcloud.Env, args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = env.Environ(os.Environ())

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(sigs)

	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "devenv:", err)
		return 127
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case sig := <-sigs:
			_ = cmd.Process.Signal(sig)
		case err := <-done:
			return exitCode(err)
		}
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	fmt.Fprintln(os.Stderr, "devenv:", err)
	return 1
}
