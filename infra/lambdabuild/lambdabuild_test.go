package lambdabuild

import (
	"debug/buildinfo"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/example/myprofile/shared/catalog"
)

func root(tb testing.TB) string {
	tb.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		tb.Skip("no go command")
	}
	r, err := Root(".")
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// The binary Lambda runs: arm64 Linux, stripped of symbols and DWARF, with
// the lambda.norpc tag, trimmed paths and no cgo.
func TestBuildMakesAStrippedArm64Binary(t *testing.T) {
	r := root(t)
	out := filepath.Join(t.TempDir(), "sessions", "bootstrap")
	size, err := Build(t.Context(), r, "sessions", out, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(out); err != nil || st.Size() != size {
		t.Fatalf("stat %s: %v (reported size %d)", out, err, size)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.OSABI != elf.ELFOSABI_NONE || f.Type != elf.ET_EXEC {
		t.Errorf("machine %v, ABI %v, type %v: want a static arm64 Linux executable", f.Machine, f.OSABI, f.Type)
	}
	for _, s := range []string{".symtab", ".debug_info", ".zdebug_info"} {
		if f.Section(s) != nil {
			t.Errorf("the binary has a %s section: not stripped", s)
		}
	}
	info, err := buildinfo.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"-tags": Tags, "-trimpath": "true", "CGO_ENABLED": "0", "GOOS": "linux", "GOARCH": "arm64"}
	// -ldflags is not recorded with -trimpath; the sections above show -s -w.
	for _, s := range info.Settings {
		if v, ok := want[s.Key]; ok {
			if s.Value != v {
				t.Errorf("build setting %s = %q, want %q", s.Key, s.Value, v)
			}
			delete(want, s.Key)
		}
	}
	if len(want) != 0 {
		t.Errorf("build settings missing: %v", want)
	}
}

func TestBuildRefusesAnUnknownFunction(t *testing.T) {
	r := root(t)
	if _, err := Build(t.Context(), r, "no-such-function", filepath.Join(t.TempDir(), "bootstrap"), io.Discard); err == nil {
		t.Fatal("built a function that does not exist")
	}
}

// BenchmarkBinarySize reports each function's stripped arm64 size (bytes
// and MB). Issue 21 retired issue 2's 10 MB target: the figure that counts
// is init time (BenchmarkColdStart in shared/app/all). ns/op is the time of
// an incremental build and link.
func BenchmarkBinarySize(b *testing.B) {
	r := root(b)
	dir := b.TempDir()
	for _, fn := range catalog.All() {
		b.Run(fn.Name, func(b *testing.B) {
			var size int64
			for b.Loop() {
				var err error
				if size, err = Build(b.Context(), r, fn.Name, filepath.Join(dir, fn.Name, "bootstrap"), os.Stderr); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(size), "bytes")
			b.ReportMetric(float64(size)/1e6, "MB")
		})
	}
}

// No function may reach a call that invokes methods by reflection: one
// such call anywhere turns off the linker's dead-method elimination for the
// whole binary (see ReflectMethodCall).
func TestDeadMethodEliminationStaysOn(t *testing.T) {
	r := root(t)
	for _, fn := range catalog.All() {
		t.Run(fn.Name, func(t *testing.T) {
			call, err := ReflectMethodCall(t.Context(), r, fn.Name)
			if err != nil {
				t.Fatal(err)
			}
			if call != "" {
				t.Errorf("%s reaches a reflective method call, which keeps every exported method: %s (trace it with GOOS=linux GOARCH=arm64 go build -ldflags=-dumpdep ./functions/%s)", fn.Name, call, fn.Name)
			}
		})
	}
}
