package notify

import (
	"bytes"
	"fmt"
	"html"
	"strings"
	"text/template"

	"golang.org/x/text/language"
)

// Supported are the languages every message ships in; the first is the
// fallback.
var Supported = []language.Tag{language.English, language.Spanish}

var matcher = language.NewMatcher(Supported)

// Lang picks the supported language closest to a user's BCP 47 tag
// ("es-MX" -> es, "fr" -> en).
func Lang(tag string) language.Tag {
	t, _, _ := matcher.Match(language.Make(tag))
	base, _ := t.Base()
	for _, s := range Supported {
		if b, _ := s.Base(); b == base {
			return s
		}
	}
	return Supported[0]
}

// Text is one language's version of a message: a subject and paragraphs,
// each a text/template over the message data. The HTML body is made from
// the same paragraphs, HTML-escaped, so both bodies always say the same.
type Text struct {
	Subject    string
	Paragraphs []string
}

// Template is a message in every supported language.
type Template struct {
	Name  string
	Texts map[string]Text // by base language: "en", "es"
}

// Render renders the template in the language closest to lang.
func (t Template) Render(lang string, data any) (Email, error) {
	base, _ := Lang(lang).Base()
	txt, ok := t.Texts[base.String()]
	if !ok {
		txt, ok = t.Texts["en"]
	}
	if !ok {
		return Email{}, fmt.Errorf("template %s: no text in %s or en", t.Name, base)
	}
	subject, err := execute(t.Name+".subject", txt.Subject, data)
	if err != nil {
		return Email{}, err
	}
	var plain, rich strings.Builder
	for i, p := range txt.Paragraphs {
		s, err := execute(fmt.Sprintf("%s.%d", t.Name, i), p, data)
		if err != nil {
			return Email{}, err
		}
		if i > 0 {
			plain.WriteString("\n\n")
		}
		plain.WriteString(s)
		rich.WriteString("<p>")
		rich.WriteString(strings.ReplaceAll(html.EscapeString(s), "\n", "<br>"))
		rich.WriteString("</p>\n")
	}
	body := `<!doctype html><html lang="` + base.String() + `"><head><meta charset="utf-8"><title>` +
		html.EscapeString(subject) + `</title></head><body style="font-family:sans-serif;line-height:1.5">` + "\n" +
		rich.String() + "</body></html>\n"
	return Email{Subject: subject, Text: plain.String() + "\n", HTML: body}, nil
}

func execute(name, src string, data any) (string, error) {
	tp, err := template.New(name).Option("missingkey=error").Parse(src)
	if err != nil {
		return "", fmt.Errorf("template %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := tp.Execute(&b, data); err != nil {
		return "", fmt.Errorf("template %s: %w", name, err)
	}
	return b.String(), nil
}
