package api

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/example/myprofile/shared/catalog"
)

// The function catalog (what the stack and the gateway serve) and the
// OpenAPI document must name exactly the same routes.
func TestDocumentMatchesCatalog(t *testing.T) {
	doc, err := Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, r := range Routes(doc) {
		documented[r] = true
	}
	served := catalog.Routes()
	var missing, extra []string
	for r := range served {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for r := range documented {
		if _, ok := served[r]; !ok {
			extra = append(extra, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("served but not documented in api/openapi.yaml: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("documented but not served by any function in the catalog: %v", extra)
	}
}

// Any route can fail with API.md's `internal` (500) problem, so every
// operation documents it: clients generated from the document handle it,
// and the end-to-end validator accepts it.
func TestEveryOperationDocumentsInternal(t *testing.T) {
	doc, err := Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			n++
			r := op.Responses.Status(500)
			if r == nil || r.Ref != "#/components/responses/Problem" {
				t.Errorf("%s %s documents no 500 problem", method, path)
			}
		}
	}
	if n < len(catalog.Routes()) {
		t.Fatalf("walked %d operations, fewer than the catalog's %d routes", n, len(catalog.Routes()))
	}
}

// Every repository file the document names exists (a reader follows them).
func TestDocumentNamesOnlyFilesThatExist(t *testing.T) {
	re := regexp.MustCompile(`(?:\.\./|[A-Za-z0-9_.-]+/)+[A-Za-z0-9_.-]+\.(?:md|go|yaml|yml|json)\b`)
	names := re.FindAllString(string(Spec), -1)
	for _, n := range names {
		if strings.HasPrefix(n, "application/") {
			continue
		}
		if _, err := os.Stat(filepath.Join("..", n)); err != nil {
			t.Errorf("openapi.yaml names %s, which is not in the repository", n)
		}
	}
}
