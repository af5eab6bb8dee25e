package catalog

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite README.md's function table from the catalog")

const (
	readmePath = "../../README.md"
	// maxREADMEBytes keeps the README a five-minute read: reference material
	// belongs in package docs (go doc) and docs/.
	maxREADMEBytes = 15_000
	tableBegin     = "<!-- function table: generated from shared/catalog by `go test ./shared/catalog -run READMEFunctionTable -update` -->"
	tableEnd       = "<!-- end of function table -->"
)

func mustReadREADME(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatalf("read README: %v", err)
	}
	return string(raw)
}

// The README's function table must name every function, so the docs follow
// the code.
func TestREADMEListsEveryFunction(t *testing.T) {
	readme := mustReadREADME(t)
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

// The function table is generated from the catalog, so it says exactly what
// the stack deploys; -update rewrites it.
func TestREADMEFunctionTable(t *testing.T) {
	readme := mustReadREADME(t)
	before, rest, ok := strings.Cut(readme, tableBegin)
	if !ok {
		t.Fatalf("README.md has no line %q before the function table", tableBegin)
	}
	_, after, ok := strings.Cut(rest, tableEnd)
	if !ok {
		t.Fatalf("README.md has no line %q after the function table", tableEnd)
	}
	want := before + tableBegin + "\n" + functionTable(All()) + tableEnd + after
	if want == readme {
		return
	}
	if *update {
		if err := os.WriteFile(readmePath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's function table differs from the catalog; run: go test ./shared/catalog -run READMEFunctionTable -update")
}

// A newcomer reads the README in five minutes.
func TestREADMEIsShort(t *testing.T) {
	if n := len(mustReadREADME(t)); n > maxREADMEBytes {
		t.Errorf("README.md is %d bytes, want at most %d: move reference material into a package doc (doc.go) or docs/", n, maxREADMEBytes)
	}
}

func TestFunctionTableShowsTriggersAndNeeds(t *testing.T) {
	got := functionTable([]Function{
		{Name: "web", Capabilities: []string{"profile", "org"}, Kind: HTTP, Routes: []string{"GET /a", "POST /b"},
			Needs: Needs{Actions: []string{"dynamodb:GetItem", "dynamodb:PutItem"}, Indexes: []string{"gsi1"}, Email: true}},
		{Name: "tick", Capabilities: []string{"billing"}, Kind: Schedule, Schedule: "rate(1 hour)", Needs: Needs{Actions: []string{"dynamodb:GetItem", "dynamodb:Query"}, SMS: true}},
		{Name: "feed", Capabilities: []string{"dailysummary"}, Kind: Event, EventSource: "platform.x", DetailTypes: []string{"A", "B"}, Needs: Needs{Queue: "q"}},
	})
	for _, want := range []string{
		"| `web` | http | `GET /a`<br>`POST /b` | profile, org | table (write, gsi1), SES |",
		"| `tick` | schedule | EventBridge schedule `rate(1 hour)` | billing | table (read), SNS SMS |",
		"| `feed` | event | EventBridge `platform.x`: A, B | dailysummary | SQS `q` |",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("function table lacks row\n%s\ngot:\n%s", want, got)
		}
	}
}

// functionTable renders functions -> routes or trigger -> capabilities ->
// what each uses, one row per function.
func functionTable(fns []Function) string {
	var b strings.Builder
	b.WriteString("| function | invoked by | routes / trigger | capabilities (`shared/...`) | uses |\n|---|---|---|---|---|\n")
	for _, f := range fns {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", f.Name, f.Kind, trigger(f), strings.Join(f.Capabilities, ", "), uses(f))
	}
	return b.String()
}

func trigger(f Function) string {
	switch f.Kind {
	case HTTP:
		rs := make([]string, len(f.Routes))
		for i, r := range f.Routes {
			rs[i] = "`" + r + "`"
		}
		return strings.Join(rs, "<br>")
	case Schedule:
		return "EventBridge schedule `" + f.Schedule + "`"
	case Event:
		return "EventBridge `" + f.EventSource + "`: " + strings.Join(f.DetailTypes, ", ")
	case Queue:
		return "SQS queue `" + f.Needs.Queue + "`"
	case Storage:
		return "S3 object created under `uploads/`"
	}
	return string(f.Kind)
}

func uses(f Function) string {
	var u []string
	if access := f.Needs.TableAccess(); access != "" {
		u = append(u, "table ("+strings.Join(append([]string{access}, f.Needs.Indexes...), ", ")+")")
	}
	if f.Needs.Email {
		u = append(u, "SES")
	}
	if f.Needs.SMS {
		u = append(u, "SNS SMS")
	}
	if f.Needs.Secrets {
		u = append(u, "2FA key")
	}
	if f.Needs.Uploads {
		u = append(u, "S3 uploads")
	}
	if f.Needs.Queue != "" && f.Kind != Queue {
		u = append(u, "SQS `"+f.Needs.Queue+"`")
	}
	if f.Needs.Events {
		u = append(u, "EventBridge put")
	}
	return strings.Join(u, ", ")
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
