// Package lambdabuild compiles a function for Lambda's provided.al2023 arm64
// runtime. It is the one place that names the build's target and flags:
// `make build` (through infra/buildfns), the CDK app when a binary is
// missing, and the size benchmark all build through it.
package lambdabuild

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Tags are the build tags of a Lambda binary: lambda.norpc leaves out the
// go1.x runtime's net/rpc server, which provided.al2023 never uses.
const Tags = "lambda.norpc"

// Env is the environment a Lambda binary is built in, on top of the
// caller's: Linux on Graviton, no cgo.
func Env() []string { return []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"} }

// Ldflags strip the symbol table and DWARF.
const Ldflags = "-s -w"

// Args are the go command's arguments that build package pkg to out:
// trimmed paths, no symbol table and no DWARF.
func Args(pkg, out string) []string {
	return []string{"build", "-tags", Tags, "-trimpath", "-ldflags", Ldflags, "-o", out, pkg}
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

// ReflectMethodCall links ./functions/<name> with the linker's dependency
// dump and returns the first reachable call that can invoke any method by
// reflection ("" if none). One such call, anywhere in the binary, makes the
// linker keep every exported method of every type that reaches an
// interface: protobuf before v1.36.12 did this under Go 1.26 and cost the
// phone-number functions 5 to 9 MB each.
func ReflectMethodCall(ctx context.Context, root, name string) (string, error) {
	out := filepath.Join(os.TempDir(), fmt.Sprintf("lambdabuild-%s-%d", name, os.Getpid()))
	defer os.Remove(out)
	args := Args("./functions/"+name, out)
	for i, a := range args {
		if a == Ldflags {
			args[i] = Ldflags + " -dumpdep"
		}
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), Env()...)
	dump, err := cmd.StderrPipe()
	if err != nil {
		return "", fmt.Errorf("link ./functions/%s: %w", name, err)
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("link ./functions/%s: %w", name, err)
	}
	// The dump is "from -> to" per reachable edge, with flags after a
	// symbol's name; a reachable <ReflectMethod> symbol turns the
	// elimination off (cmd/link/internal/ld/deadcode.go).
	found := ""
	var last []string
	sc := bufio.NewScanner(dump)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if found == "" {
			if _, to, ok := strings.Cut(line, " -> "); ok && strings.HasSuffix(to, "<ReflectMethod>") {
				found = line
			}
		}
		if !strings.Contains(line, " -> ") && len(last) < 20 {
			last = append(last, line) // compiler errors, if any
		}
	}
	if err := cmd.Wait(); err != nil {
		return "", fmt.Errorf("link ./functions/%s: %w: %s", name, err, strings.Join(last, "\n"))
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("read the dependency dump of %s: %w", name, err)
	}
	return found, nil
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
