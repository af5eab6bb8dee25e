// Command buildfns builds every function of the catalog (or the ones named)
// to <out>/<name>/bootstrap for Lambda and prints each binary's size (no
// target: what counts is init time, BenchmarkColdStart; docs/testing.md).
// `make build` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/example/myprofile/infra/lambdabuild"
	"github.com/example/myprofile/shared/catalog"
)

func main() {
	out := flag.String("out", "build", "folder for <name>/bootstrap, relative to the repository root")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "buildfns:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out string, names []string) error {
	root, err := lambdabuild.Root(".")
	if err != nil {
		return err
	}
	if len(names) == 0 {
		for _, f := range catalog.All() {
			names = append(names, f.Name)
		}
	}
	for _, name := range names {
		if _, ok := catalog.Lookup(name); !ok {
			return fmt.Errorf("no function %q in shared/catalog", name)
		}
		bin := filepath.Join(out, name, "bootstrap")
		size, err := lambdabuild.Build(ctx, root, name, bin, os.Stderr)
		if err != nil {
			return err
		}
		fmt.Printf("%-36s %9d bytes\n", bin, size)
	}
	return nil
}
