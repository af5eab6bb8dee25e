package apptest

import (
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/example/myprofile/shared/app/all"
)

// callLog is this test process's record of the DynamoDB grants each
// function used, in the directory all.CallsDirEnv names (nil without it).
// `make test` compares the union over every package with the catalog
// (all.TestEveryGrantIsExercised; docs/security.md, "Least privilege").
var callLog = sync.OnceValue(func() *all.CallLog {
	dir := os.Getenv(all.CallsDirEnv)
	if dir == "" {
		return nil
	}
	name := "test"
	if bi, ok := debug.ReadBuildInfo(); ok {
		name = strings.TrimSuffix(bi.Path, ".test") // the package under test
	}
	return all.NewCallLog(dir, name)
})

// checkGrants fails t on a DynamoDB call a function is not granted, and
// records the grants the functions use.
func checkGrants(t testing.TB) *all.Check {
	log := callLog()
	return &all.Check{
		Refused: func(msg string) { t.Errorf("%s", msg) },
		Called: func(fn, grant string) {
			if log == nil {
				return
			}
			if err := log.Called(fn, grant); err != nil {
				t.Errorf("%v", err)
			}
		},
	}
}
