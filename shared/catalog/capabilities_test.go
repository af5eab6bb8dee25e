package catalog_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/example/myprofile/shared/catalog"
)

// Every capability a catalog entry names is a package under shared/ and
// every function names at least one.
func TestCapabilitiesArePackages(t *testing.T) {
	for _, f := range catalog.All() {
		if len(f.Capabilities) == 0 {
			t.Errorf("function %s names no capability", f.Name)
		}
		for _, c := range f.Capabilities {
			if st, err := os.Stat(filepath.Join("..", c)); err != nil || !st.IsDir() {
				t.Errorf("function %s: capability %q is not a package under shared/", f.Name, c)
			}
		}
	}
}
