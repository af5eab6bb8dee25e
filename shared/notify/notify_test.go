package notify

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/aws/smithy-go"
)

func TestErrorCodeKeepsContactsOutOfErrors(t *testing.T) {
	apiErr := &smithy.GenericAPIError{Code: "MessageRejected", Message: "Email address is not verified: ada@example.com"}
	wrapped := &smithy.OperationError{ServiceID: "SESv2", OperationName: "SendEmail", Err: apiErr}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"api error keeps only its code", wrapped, "MessageRejected"},
		{"transport error", &smithy.OperationError{ServiceID: "SNS", OperationName: "Publish", Err: errors.New("dial tcp +34600000000")}, "Publish failed"},
		{"deadline", context.DeadlineExceeded, "context deadline exceeded"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ErrorCode(tt.err)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if strings.Contains(got, "@") || strings.Contains(got, "+34") {
				t.Errorf("contact leaked: %q", got)
			}
		})
	}
}

// mustCatalog is a catalog of files given as name -> content.
func mustCatalog(t *testing.T, files map[string]string) *Catalog {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, src := range files {
		fsys["texts/"+name] = &fstest.MapFile{Data: []byte(src)}
	}
	c := NewCatalog(fsys)
	if _, err := c.Names(); err != nil {
		t.Fatalf("catalog: %v", err)
	}
	return c
}

func TestRenderBothLanguagesAndEscapesHTML(t *testing.T) {
	c := mustCatalog(t, map[string]string{
		"t.en.tmpl": "Subject: Hi {{.Name}}\n\nHello {{.Name}},\n\nYour code:\n{{.Code}}\n\nBye.\n",
		"t.es.tmpl": "Subject: Hola {{.Name}}\n\nHola {{.Name}},\n\nAdiós.\n",
	})
	tpl := c.Template("t")
	data := map[string]string{"Name": "<b>Ada</b>", "Code": "123"}
	en, err := tpl.Render("en-GB", data)
	if err != nil {
		t.Fatal(err)
	}
	es, err := tpl.Render("es-MX", data)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := tpl.Render("fr", data)
	if err != nil {
		t.Fatal(err)
	}
	if en.Subject != "Hi <b>Ada</b>" || es.Subject != "Hola <b>Ada</b>" || fr.Subject != en.Subject {
		t.Errorf("subjects: %q %q %q", en.Subject, es.Subject, fr.Subject)
	}
	if want := "Hello <b>Ada</b>,\n\nYour code:\n123\n\nBye.\n"; en.Text != want {
		t.Errorf("text body: got %q, want %q", en.Text, want)
	}
	wantHTML := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hi &lt;b&gt;Ada&lt;/b&gt;</title></head>` +
		`<body style="font-family:sans-serif;line-height:1.5">` + "\n" +
		"<p>Hello &lt;b&gt;Ada&lt;/b&gt;,</p>\n<p>Your code:<br>123</p>\n<p>Bye.</p>\n</body></html>\n"
	if en.HTML != wantHTML {
		t.Errorf("HTML body:\ngot  %q\nwant %q", en.HTML, wantHTML)
	}
	if !strings.Contains(es.HTML, `lang="es"`) || !strings.Contains(es.Text, "Adiós.") {
		t.Errorf("Spanish bodies: %q / %s", es.Text, es.HTML)
	}
	if _, err := tpl.Render("en", map[string]string{"Name": "Ada"}); err == nil {
		t.Error("a missing value must fail, not render empty")
	}
	if _, err := c.Template("nope").Render("en", data); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("a message without files: got %v, want an error naming it", err)
	}
	if _, err := tpl.SMS("en", data); err == nil {
		t.Error("an email rendered as SMS must fail")
	}
}

func TestTextMessageIsTheBodyOnly(t *testing.T) {
	c := mustCatalog(t, map[string]string{
		"code-sms.en.tmpl": "{{.App}}: {{.Code}} is your code.\n",
		"code-sms.es.tmpl": "{{.App}}: {{.Code}} es tu código.\n",
	})
	data := map[string]any{"App": "MyProfile", "Code": 42}
	got, err := c.Template("code-sms").SMS("es-ES", data)
	if want := "MyProfile: 42 es tu código."; err != nil || got != want {
		t.Errorf("SMS = %q, %v; want %q", got, err, want)
	}
	e, err := c.Template("code-sms").Render("en", data)
	if want := (Email{Text: "MyProfile: 42 is your code.\n"}); err != nil || e != want {
		t.Errorf("Render = %+v, %v; want %+v", e, err, want)
	}
}

func TestCatalogRejectsMalformedFiles(t *testing.T) {
	const ok = "Subject: S\n\nBody.\n"
	tests := []struct {
		name  string
		files map[string]string
		want  string // in the error
	}{
		{"missing language", map[string]string{"m.en.tmpl": ok}, "message m has no es text"},
		{"unsupported language", map[string]string{"m.en.tmpl": ok, "m.es.tmpl": ok, "m.fr.tmpl": ok}, `texts/m.fr.tmpl: language "fr"`},
		{"file name without language", map[string]string{"m.tmpl": ok}, "texts/m.tmpl: want a file named"},
		{"other extension", map[string]string{"m.en.txt": ok}, "texts/m.en.txt: want a file named"},
		{"no subject line", map[string]string{"m.en.tmpl": "Hello.\n", "m.es.tmpl": ok}, "texts/m.en.tmpl: line 1"},
		{"empty subject", map[string]string{"m.en.tmpl": "Subject: \n\nBody.\n", "m.es.tmpl": ok}, "texts/m.en.tmpl: line 1"},
		{"no blank line after the subject", map[string]string{"m.en.tmpl": "Subject: S\nBody.\n", "m.es.tmpl": ok}, "line 2"},
		{"no body", map[string]string{"m.en.tmpl": "Subject: S\n\n", "m.es.tmpl": ok}, "no body"},
		{"two blank lines", map[string]string{"m.en.tmpl": "Subject: S\n\nA.\n\n\nB.\n", "m.es.tmpl": ok}, "line 5: paragraphs are separated by one blank line"},
		{"other action", map[string]string{"m.en.tmpl": "Subject: S\n\n{{if .A}}x{{end}}\n", "m.es.tmpl": ok}, "paragraph 1 (line 3): unsupported action {{if .A}}"},
		{"unclosed action in the subject", map[string]string{"m.en.tmpl": "Subject: {{.A\n\nB.\n", "m.es.tmpl": ok}, "subject: unclosed action"},
		{"SMS with a subject", map[string]string{"m-sms.en.tmpl": ok, "m-sms.es.tmpl": "Body.\n"}, "texts/m-sms.en.tmpl: a text message"},
		{"SMS of two paragraphs", map[string]string{"m-sms.en.tmpl": "A.\n\nB.\n", "m-sms.es.tmpl": "Body.\n"}, "one paragraph"},
		{"empty SMS", map[string]string{"m-sms.en.tmpl": "\n", "m-sms.es.tmpl": "Body.\n"}, "empty text message"},
		{"no files", map[string]string{}, "no *.tmpl files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, src := range tt.files {
				fsys["texts/"+name] = &fstest.MapFile{Data: []byte(src)}
			}
			c := NewCatalog(fsys)
			_, err := c.Template("m").Render("en", map[string]string{"A": "a"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// countingFS counts the files opened.
type countingFS struct {
	fs.FS
	opens *atomic.Int32
}

func (c countingFS) Open(name string) (fs.File, error) {
	c.opens.Add(1)
	return c.FS.Open(name)
}

func TestCatalogReadsFilesOnceOnFirstUse(t *testing.T) {
	var opens atomic.Int32
	fsys := countingFS{FS: fstest.MapFS{
		"texts/m.en.tmpl": {Data: []byte("Subject: S\n\nB.\n")},
		"texts/m.es.tmpl": {Data: []byte("Subject: S\n\nB.\n")},
	}, opens: &opens}
	c := NewCatalog(fsys)
	tpl := c.Template("m")
	if n := opens.Load(); n != 0 {
		t.Fatalf("NewCatalog and Template opened %d files, want none", n)
	}
	for range 3 {
		if _, err := tpl.Render("en", nil); err != nil {
			t.Fatal(err)
		}
	}
	first := opens.Load()
	if first == 0 {
		t.Fatal("Render read nothing")
	}
	if _, err := tpl.Render("es", nil); err != nil || opens.Load() != first {
		t.Errorf("second render opened files again (%d, then %d) or failed: %v", first, opens.Load(), err)
	}
}

func TestCheckRendersEveryMessage(t *testing.T) {
	c := mustCatalog(t, map[string]string{
		"a.en.tmpl":     "Subject: A {{.X}}\n\nA.\n",
		"a.es.tmpl":     "Subject: A\n\nA {{.Y}}.\n",
		"b-sms.en.tmpl": "B {{.X}}\n",
		"b-sms.es.tmpl": "B\n",
	})
	if err := c.Check(map[Template]any{c.Template("a"): map[string]string{"X": "x", "Y": "y"}, c.Template("b-sms"): map[string]string{"X": "x"}}); err != nil {
		t.Errorf("complete samples: %v", err)
	}
	err := c.Check(map[Template]any{
		c.Template("a"):     map[string]string{"X": "x"},   // no Y for es
		c.Template("c"):     nil,                           // no files
		c.Template("b-sms"): map[string]string{"X": "{{x"}, // leftover {{
	})
	for _, want := range []string{"a in es", "message c: no file", "{{ left in", ""} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want an error with %q", err, want)
		}
	}
	if err := c.Check(map[Template]any{c.Template("a"): map[string]string{"X": "x", "Y": "y"}}); err == nil || !strings.Contains(err.Error(), "b-sms: no sample") {
		t.Errorf("message without sample: got %v", err)
	}
}

func TestMask(t *testing.T) {
	if got := MaskEmail("nora@example.com"); got != "n***@example.com" {
		t.Errorf("MaskEmail = %q", got)
	}
	if got := MaskPhone("+34612345678"); got != "***5678" {
		t.Errorf("MaskPhone = %q", got)
	}
}

func TestExecuteFillsFieldsOfMapsAndStructs(t *testing.T) {
	type data struct {
		Name    string
		Minutes int
		hidden  string
	}
	tests := []struct {
		name, src string
		data      any
		want      string
		wantErr   bool
	}{
		{"map of strings", "Hi {{.Name}}!", map[string]string{"Name": "Ana"}, "Hi Ana!", false},
		{"map of any with a number", "{{.Name}}: {{ .Minutes }} min", map[string]any{"Name": "Code", "Minutes": 15}, "Code: 15 min", false},
		{"struct", "{{.Name}} {{.Minutes}}", data{Name: "Bo", Minutes: 3}, "Bo 3", false},
		{"pointer to struct", "{{.Name}}", &data{Name: "Cy"}, "Cy", false},
		{"no action", "plain text", nil, "plain text", false},
		{"missing map key is an error", "{{.Nope}}", map[string]string{}, "", true},
		{"missing field is an error", "{{.Nope}}", data{}, "", true},
		{"unexported field is an error", "{{.hidden}}", data{hidden: "x"}, "", true},
		{"other actions are refused", "{{if .Name}}x{{end}}", map[string]string{"Name": "a"}, "", true},
		{"unclosed action is an error", "{{.Name", map[string]string{"Name": "a"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := execute("t", tt.src, tt.data)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("execute(%q) = %q, %v; want %q, error %v", tt.src, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
