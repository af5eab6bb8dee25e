package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/example/myprofile/infra/lambdabuild"
	"github.com/example/myprofile/shared/catalog"
)

// ensureBootstraps builds <assetDir>/<name>/bootstrap from ./functions/<name>
// for every function whose binary is missing, the way `make build` does, so
// that a fresh clone synthesizes with one command. Existing binaries are
// left alone: `make build` owns rebuilding them.
func ensureBootstraps(ctx context.Context, assetDir string, fns []catalog.Function) error {
	var errs []error
	for _, f := range fns {
		out := filepath.Join(assetDir, f.Name, "bootstrap")
		if _, err := os.Stat(out); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("function %q: %w", f.Name, err))
			continue
		}
		src := "./" + filepath.ToSlash(filepath.Join("functions", f.Name))
		if st, err := os.Stat(src); err != nil || !st.IsDir() {
			errs = append(errs, fmt.Errorf("function %q: no %s and no source in %s (run from the repository root)", f.Name, out, src))
			continue
		}
		if err := buildBootstrap(ctx, f.Name, out); err != nil {
			errs = append(errs, fmt.Errorf("function %q: %w", f.Name, err))
		}
	}
	return errors.Join(errs...)
}

// buildBootstrap compiles one function for Lambda's provided.al2023 arm64
// runtime, as `make build` does (package lambdabuild).
func buildBootstrap(ctx context.Context, name, out string) error {
	root, err := lambdabuild.Root(".")
	if err != nil {
		return err
	}
	if out, err = filepath.Abs(out); err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	fmt.Fprintf(os.Stderr, "infra: building %s from ./functions/%s\n", out, name)
	// stdout is for the CDK CLI; the go command's output goes to stderr.
	if _, err := lambdabuild.Build(ctx, root, name, out, os.Stderr); err != nil {
		return err
	}
	return nil
}
