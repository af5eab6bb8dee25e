// Command seed works against the stack `make run` runs (found through
// .local/stack.json):
//
//	go run ./infra/seed                          # make seed: sample data, tokens printed
//	go run ./infra/seed -event events/x.json     # make event: send a sample event
//
// Both make sure the sample data exists first (seeding is idempotent), so
// the placeholders of a sample event ({{organization.id}}, {{user.id}},
// {{session.token}}, {{now}}, {{today}}) name the sample organization and user.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"text/tabwriter"
	"time"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/sample"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	event := fs.String("event", "", "send this sample event (a JSON file) instead of printing the sample data")
	if err := fs.Parse(args); err != nil {
		return err
	}
	root, err := localcloud.RepoRoot()
	if err != nil {
		return err
	}
	stack, ok := localcloud.RunningStack(ctx, root)
	if !ok {
		return errors.New("no running stack: start `make run` in another terminal first")
	}
	c := &sample.Client{Stack: stack}
	res, err := c.Seed(ctx)
	if err != nil {
		return err
	}
	if *event == "" {
		return printSeed(out, stack, res)
	}
	raw, err := os.ReadFile(*event)
	if err != nil {
		return fmt.Errorf("read event: %w", err)
	}
	id, err := c.Send(ctx, raw, res)
	if err != nil {
		return fmt.Errorf("%s: %w", *event, err)
	}
	ds, err := c.Deliveries(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "sent %s to %s (event %s)\n", *event, stack.EventBridge, id)
	if len(ds) == 0 {
		fmt.Fprintln(out, "  matched no rule: no function received it")
	}
	for _, d := range ds {
		if d.OK {
			fmt.Fprintf(out, "  %s: ok in %s %s\n", d.Function, time.Duration(d.TookMS)*time.Millisecond, d.Response)
		} else {
			fmt.Fprintf(out, "  %s: FAILED: %s\n", d.Function, d.Error)
		}
	}
	fmt.Fprintf(out, "mail: %s   SMS: %s   all events: %s/events\n", stack.SES, stack.SNS+"/", stack.EventBridge)
	return nil
}

func printSeed(out io.Writer, stack localcloud.Stack, res sample.Result) error {
	fmt.Fprintf(out, "sample organization %s on %s (sample passwords, local data only):\n\n", res.OrganizationID, stack.API)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tEMAIL\tPASSWORD\tTOKEN")
	for _, m := range res.Members {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Role, m.Email, m.Password, m.Token)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	u := res.User()
	fmt.Fprintf(out, "\ntry: curl -s %s/v1/me -H 'authorization: Bearer %s'\n", stack.API, u.Token)
	fmt.Fprintln(out, "today: 3 activities for the user; balance 120.00 USD; the owner's alert below 50.00 USD by email")
	fmt.Fprintln(out, "then:  make event EVENT=events/balance-changed.json   (40.00 USD: the owner gets the alert)")
	return nil
}
