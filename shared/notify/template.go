package notify

import (
	"fmt"
	"html"
	"reflect"
	"strings"
	"unicode"

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
// each a template over the message data whose only action is {{.Name}}
// (a key or field of the data; see execute). The HTML body is made from
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

// execute fills the {{.Name}} actions of src, the only action the
// messages use, from data: a map with string keys or a struct (or a pointer
// to one). A missing key or field is an error, as with text/template's
// missingkey=error. text/template is not used because it calls methods by
// name through reflection, which makes the linker keep every exported
// method of every type in the binary (megabytes of AWS SDK operations in
// each function that sends a message).
func execute(name, src string, data any) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(src, "{{")
		if i < 0 {
			b.WriteString(src)
			return b.String(), nil
		}
		b.WriteString(src[:i])
		j := strings.Index(src[i:], "}}")
		if j < 0 {
			return "", fmt.Errorf("template %s: unclosed action", name)
		}
		action := strings.TrimSpace(src[i+2 : i+j])
		field, ok := strings.CutPrefix(action, ".")
		if !ok || !isIdent(field) {
			return "", fmt.Errorf("template %s: unsupported action {{%s}}", name, action)
		}
		v, err := lookup(data, field)
		if err != nil {
			return "", fmt.Errorf("template %s: %w", name, err)
		}
		fmt.Fprint(&b, v)
		src = src[i+j+2:]
	}
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))) {
			return false
		}
	}
	return true
}

// lookup returns data's key or field.
func lookup(data any, field string) (any, error) {
	v := reflect.ValueOf(data)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil, fmt.Errorf("nil data has no field %s", field)
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("map of %s has no key %q", v.Type().Key(), field)
		}
		e := v.MapIndex(reflect.ValueOf(field).Convert(v.Type().Key()))
		if !e.IsValid() {
			return nil, fmt.Errorf("map has no entry for key %q", field)
		}
		return e.Interface(), nil
	case reflect.Struct:
		f, ok := v.Type().FieldByName(field)
		if !ok || !f.IsExported() {
			return nil, fmt.Errorf("can't evaluate field %s in type %s", field, v.Type())
		}
		return v.FieldByIndex(f.Index).Interface(), nil
	}
	return nil, fmt.Errorf("can't evaluate field %s in type %s", field, v.Type())
}
