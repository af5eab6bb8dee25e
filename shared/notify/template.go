package notify

import (
	"errors"
	"fmt"
	"html"
	"reflect"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/language"
)

// Supported are the languages every message ships in; the first is the
// fallback.
var Supported = []language.Tag{language.English, language.Spanish}

// matcher is built on first use, not at start (cold starts of functions
// that send nothing skip it).
var matcher = sync.OnceValue(func() language.Matcher { return language.NewMatcher(Supported) })

// Lang picks the supported language closest to a user's BCP 47 tag
// ("es-MX" -> es, "fr" -> en).
func Lang(tag string) language.Tag {
	t, _, _ := matcher().Match(language.Make(tag))
	base, _ := t.Base()
	for _, s := range Supported {
		if b, _ := s.Base(); b == base {
			return s
		}
	}
	return Supported[0]
}

// Template is one message in every supported language. Get it from the
// Catalog of the capability that sends it; its Name is the message's file
// name without language and extension.
type Template struct {
	Name    string
	catalog *Catalog
}

// Render renders the message in the language closest to lang. An email
// gets a subject, a text body (the paragraphs, separated by a blank line)
// and an HTML body made from the same paragraphs, HTML-escaped, so both
// bodies always say the same. A text message (see Catalog) gets only the
// text body; SMS gives it without the final newline.
func (t Template) Render(lang string, data any) (Email, error) {
	txt, base, err := t.text(lang)
	if err != nil {
		return Email{}, err
	}
	if txt.sms {
		body, err := execute(t.Name, txt.paragraphs[0], data)
		if err != nil {
			return Email{}, err
		}
		return Email{Text: body + "\n"}, nil
	}
	subject, err := execute(t.Name+".subject", txt.subject, data)
	if err != nil {
		return Email{}, err
	}
	var plain, rich strings.Builder
	for i, p := range txt.paragraphs {
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
	body := `<!doctype html><html lang="` + base + `"><head><meta charset="utf-8"><title>` +
		html.EscapeString(subject) + `</title></head><body style="font-family:sans-serif;line-height:1.5">` + "\n" +
		rich.String() + "</body></html>\n"
	return Email{Subject: subject, Text: plain.String() + "\n", HTML: body}, nil
}

// SMS renders a text message in the language closest to lang: its body,
// without a final newline.
func (t Template) SMS(lang string, data any) (string, error) {
	txt, _, err := t.text(lang)
	if err != nil {
		return "", err
	}
	if !txt.sms {
		return "", fmt.Errorf("message %s is an email, not a text message (its name does not end in %s)", t.Name, smsSuffix)
	}
	return execute(t.Name, txt.paragraphs[0], data)
}

// text is the parsed text of t closest to lang, and that text's language.
func (t Template) text(lang string) (text, string, error) {
	if t.catalog == nil {
		return text{}, "", fmt.Errorf("message %s: not from a catalog", t.Name)
	}
	msgs, err := t.catalog.load()
	if err != nil {
		return text{}, "", err
	}
	texts, ok := msgs[t.Name]
	if !ok {
		return text{}, "", fmt.Errorf("message %s: no file %s.<lang>%s", t.Name, t.Name, fileExt)
	}
	base, _ := Lang(lang).Base()
	txt, ok := texts[base.String()]
	if !ok { // not reached: load checks that every message has every language
		return text{}, "", fmt.Errorf("message %s: no text in %s", t.Name, base)
	}
	return txt, base.String(), nil
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
	err := scan(src, func(lit string) { b.WriteString(lit) }, func(field string) error {
		v, err := lookup(data, field)
		if err != nil {
			return err
		}
		fmt.Fprint(&b, v)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("template %s: %w", name, err)
	}
	return b.String(), nil
}

// checkActions reports an action of src other than {{.Name}}.
func checkActions(src string) error {
	return scan(src, func(string) {}, func(string) error { return nil })
}

// scan passes src's literal text to lit and the field name of each
// {{.Name}} action to field, in order.
func scan(src string, lit func(string), field func(string) error) error {
	for {
		i := strings.Index(src, "{{")
		if i < 0 {
			lit(src)
			return nil
		}
		lit(src[:i])
		j := strings.Index(src[i:], "}}")
		if j < 0 {
			return errors.New("unclosed action")
		}
		action := strings.TrimSpace(src[i+2 : i+j])
		name, ok := strings.CutPrefix(action, ".")
		if !ok || !isIdent(name) {
			return fmt.Errorf("unsupported action {{%s}}", action)
		}
		if err := field(name); err != nil {
			return err
		}
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
