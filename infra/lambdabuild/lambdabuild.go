// Package lambdabuild compiles a function for Lambda's provided.al2023 arm64
// runtime. It is the one place that names the build's target and flags:
// `make build` (through infra/buildfns), the CDK app when a binary is
// missing, and the size benchmark all build through it.
package lambdabuild

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// Tags are the build tags of a Lambda binary: lambda.norpc leaves out the
// go1.x runtime's net/rpc server, which provided.al2023 never uses.
const Tags = "lambda.norpc"

// MaxBytes is the size every stripped function binary should stay under
// (issue 2: 10 MB). README "Binary sizes" says which functions are over it
// and why.
const MaxBytes = 10_000_000

// Env is the environment a Lambda binary is built in, on top of the
// caller's: Linux on Graviton, no cgo.
func Env() []string { return []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"} }

// Args are the go command's arguments that build package pkg to out:
// trimmed paths, no symbol table and no DWARF.
func Args(pkg, out string) []string {
	return []string{"build", "-tags", Tags, "-trimpath", "-ldflags", "-s -w", "-o", out, pkg}
}

// Build compiles ./functions/<name> of the module in root to out and
// returns the binary's size. The go command's output goes to log.
func Build(ctx context.Context, root, name, out string, log io.Writer) (int64, error) {
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return 0, fmt.Errorf("create %s: %w", filepath.Dir(out), err)
	}
	cmd := exec.CommandContext(ctx, "go", Args("./functions/"+name, out)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), Env()...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("go build ./functions/%s: %w", name, err)
	}
	st, err := os.Stat(out)
	if err != nil {
		return 0, fmt.Errorf("built %s: %w", out, err)
	}
	return st.Size(), nil
}

// Root returns the directory of the go.mod that contains dir (the
// repository root), so that callers can run from any folder of it.
func Root(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find the module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("find the module root: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find the module root: no go.mod above the working directory")
		}
		dir = parent
	}
}
