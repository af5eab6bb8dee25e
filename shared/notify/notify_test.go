package notify

import (
	"context"
	"errors"
	"strings"
	"testing"

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

func TestRenderBothLanguagesAndEscapesHTML(t *testing.T) {
	tpl := Template{Name: "t", Texts: map[string]Text{
		"en": {Subject: "Hi {{.Name}}", Paragraphs: []string{"Hello {{.Name}},", "Bye."}},
		"es": {Subject: "Hola {{.Name}}", Paragraphs: []string{"Hola {{.Name}},", "Adiós."}},
	}}
	data := map[string]string{"Name": "<b>Ada</b>"}
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
	if strings.Contains(en.HTML, "<b>Ada</b>") || !strings.Contains(en.HTML, "&lt;b&gt;Ada&lt;/b&gt;") {
		t.Errorf("HTML body not escaped: %s", en.HTML)
	}
	if !strings.Contains(en.Text, "Hello <b>Ada</b>,\n\nBye.") || !strings.Contains(es.HTML, `lang="es"`) {
		t.Errorf("bodies: %q / %s", en.Text, es.HTML)
	}
	if _, err := (Template{Name: "x", Texts: map[string]Text{"en": {Subject: "{{.Missing}}"}}}).Render("en", map[string]string{}); err == nil {
		t.Error("a missing value must fail, not render empty")
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
