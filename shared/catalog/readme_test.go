package catalog

import (
	"os"
	"strings"
	"testing"
)

// The README's function table must name every function, so the docs follow
// the code.
func TestREADMEListsEveryFunction(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	for _, f := range All() {
		if !strings.Contains(readme, "| `"+f.Name+"` |") {
			t.Errorf("README.md has no row for function %s", f.Name)
		}
		for _, r := range f.Routes {
			if !strings.Contains(readme, r) {
				t.Errorf("README.md does not show route %s of %s", r, f.Name)
			}
		}
	}
}

func TestFunctionsAreSortedAndUnique(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for _, f := range All() {
		if seen[f.Name] {
			t.Errorf("function %s listed twice", f.Name)
		}
		seen[f.Name] = true
		if f.Name < prev {
			t.Errorf("function %s is out of order after %s", f.Name, prev)
		}
		prev = f.Name
	}
	routes := map[string]string{}
	for _, f := range All() {
		for _, r := range f.Routes {
			if other, ok := routes[r]; ok {
				t.Errorf("route %s served by %s and %s", r, other, f.Name)
			}
			routes[r] = f.Name
		}
	}
}
