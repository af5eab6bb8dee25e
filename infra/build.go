package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"

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
		if err := buildBootstrap(ctx, src, out); err != nil {
			errs = append(errs, fmt.Errorf("function %q: %w", f.Name, err))
		}
	}
	return errors.Join(errs...)
}

// buildBootstrap compiles one function for Lambda's provided.al2023 arm64 runtime.
func buildBootstrap(ctx context.Context, pkg, out string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(out), err)
	}
	cmd := exec.CommandContext(ctx, "go", "build",
		"-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w",
		"-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	cmd.Stdout = os.Stderr // stdout is for the CDK CLI; keep it clean
	cmd.Stderr = os.Stderr
	fmt.Fprintf(os.Stderr, "infra: building %s from %s\n", out, pkg)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	return nil
}
