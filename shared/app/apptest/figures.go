package apptest

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// figuresMu serializes appends to the summary file of one test binary.
var figuresMu sync.Mutex

// Figure records one figure of `make bench`'s closing table: what it is,
// the value measured, its target and whether it holds. The row goes to the
// file BENCH_SUMMARY names (tab-separated; nothing when unset), which the
// Makefile prints after every package's benchmarks ran.
func Figure(tb testing.TB, what, value, target string, holds bool) {
	tb.Helper()
	path := os.Getenv("BENCH_SUMMARY")
	if path == "" {
		return
	}
	verdict := "holds"
	if !holds {
		verdict = "MISSED"
	}
	figuresMu.Lock()
	defer figuresMu.Unlock()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		tb.Errorf("bench summary: %v", err)
		return
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "%s\t%s\t%s\t%s\n", what, value, target, verdict); err != nil {
		tb.Errorf("bench summary: %v", err)
	}
}
