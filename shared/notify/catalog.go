package notify

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

const (
	fileExt       = ".tmpl"
	subjectPrefix = "Subject: "
	smsSuffix     = "-sms"
)

// Catalog is the message texts of one capability: one file per message
// and language, named <name>.<lang>.tmpl (lang is a base language of
// Supported: en, es), kept in the capability's texts folder and embedded
// with //go:embed texts/*.tmpl. Translators edit these files, not Go.
//
// An email's file starts with a "Subject: ..." line and a blank line; the
// rest is the body, paragraphs separated by one blank line (a paragraph
// may span lines: its line breaks are kept). A message whose name ends in
// -sms is a text message: its file is the body only, with no subject.
// Subject and paragraphs may use only {{.Name}} actions, filled from the
// message data (see execute).
//
// The files are read and checked on first use, not at start: a malformed
// file, an unknown language or a message without every supported language
// makes every Render of the catalog fail with an error naming the files
// (the capability's test renders every message, so it fails first).
type Catalog struct {
	load func() (map[string]map[string]text, error)
}

// text is one language's version of a message. An SMS has one paragraph
// and no subject.
type text struct {
	sms        bool
	subject    string
	paragraphs []string
}

// NewCatalog returns the catalog of the .tmpl files in files (walked from
// its root, so a //go:embed texts/*.tmpl file system works as it is).
func NewCatalog(files fs.FS) *Catalog {
	return &Catalog{load: sync.OnceValues(func() (map[string]map[string]text, error) {
		return parseTexts(files)
	})}
}

// Template returns the message name of the catalog. It reads nothing: a
// missing message is reported when it is rendered.
func (c *Catalog) Template(name string) Template {
	return Template{Name: name, catalog: c}
}

// Names lists the catalog's messages, sorted, or the catalog's error.
func (c *Catalog) Names() ([]string, error) {
	msgs, err := c.load()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(msgs))
	for n := range msgs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// parseTexts reads every file of files. All problems are reported at once,
// one per line, so a translator sees them together.
func parseTexts(files fs.FS) (map[string]map[string]text, error) {
	langs := make([]string, len(Supported))
	for i, tag := range Supported {
		base, _ := tag.Base()
		langs[i] = base.String()
	}
	msgs := map[string]map[string]text{}
	bad := map[string]bool{} // name.lang of the malformed files
	var errs []error
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name, lang, ok := strings.Cut(strings.TrimSuffix(path.Base(p), fileExt), ".")
		switch {
		case !strings.HasSuffix(p, fileExt) || !ok || name == "" || strings.Contains(lang, "."):
			errs = append(errs, fmt.Errorf("%s: want a file named <message>.<lang>%s", p, fileExt))
			return nil
		case !slices.Contains(langs, lang):
			errs = append(errs, fmt.Errorf("%s: language %q is not one of %s", p, lang, strings.Join(langs, ", ")))
			return nil
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		t, err := parseText(name, string(b))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			bad[name+"."+lang] = true
			return nil
		}
		if msgs[name] == nil {
			msgs[name] = map[string]text{}
		}
		msgs[name][lang] = t
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("message texts: %w", err)
	}
	if len(msgs) == 0 && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("no *%s files", fileExt))
	}
	names := make([]string, 0, len(msgs))
	for n := range msgs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		for _, lang := range langs {
			if _, ok := msgs[n][lang]; !ok && !bad[n+"."+lang] {
				errs = append(errs, fmt.Errorf("message %s has no %s text (file %s.%s%s)", n, lang, n, lang, fileExt))
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("message texts: %w", errors.Join(errs...))
	}
	return msgs, nil
}

// parseText parses one file of message name (see Catalog for the form).
func parseText(name, src string) (text, error) {
	if !utf8.ValidString(src) {
		return text{}, errors.New("not UTF-8")
	}
	src = strings.ReplaceAll(src, "\r\n", "\n")
	if strings.Contains(src, "\r") {
		return text{}, errors.New("contains a carriage return")
	}
	src = strings.TrimRight(src, "\n")
	if strings.HasSuffix(name, smsSuffix) {
		switch {
		case strings.TrimSpace(src) == "":
			return text{}, errors.New("empty text message")
		case strings.HasPrefix(src, subjectPrefix):
			return text{}, fmt.Errorf("a text message (name ends in %s) has no subject line", smsSuffix)
		case strings.Contains(src, "\n\n"):
			return text{}, errors.New("a text message is one paragraph: remove the blank line")
		}
		if err := checkActions(src); err != nil {
			return text{}, err
		}
		return text{sms: true, paragraphs: []string{src}}, nil
	}
	first, body, _ := strings.Cut(src, "\n")
	subject, ok := strings.CutPrefix(first, subjectPrefix)
	if !ok || strings.TrimSpace(subject) == "" {
		return text{}, fmt.Errorf("line 1: want %q and the subject", subjectPrefix)
	}
	if strings.TrimSpace(body) == "" {
		return text{}, errors.New("no body after the subject")
	}
	body, ok = strings.CutPrefix(body, "\n")
	if !ok {
		return text{}, errors.New("line 2: want a blank line after the subject")
	}
	t := text{subject: subject, paragraphs: strings.Split(body, "\n\n")}
	if err := checkActions(subject); err != nil {
		return text{}, fmt.Errorf("subject: %w", err)
	}
	line := 3
	for i, p := range t.paragraphs {
		if strings.TrimSpace(p) == "" || strings.HasPrefix(p, "\n") {
			return text{}, fmt.Errorf("line %d: paragraphs are separated by one blank line", line)
		}
		if err := checkActions(p); err != nil {
			return text{}, fmt.Errorf("paragraph %d (line %d): %w", i+1, line, err)
		}
		line += strings.Count(p, "\n") + 2
	}
	return t, nil
}

// Check renders every message of the catalog in every supported language
// with the sample data given for it, for a test. It reports a message of
// the catalog without sample, a sample template with no file, a failed
// render (such as a key missing from the data) and a "{{" left in what was
// rendered.
func (c *Catalog) Check(samples map[Template]any) error {
	names, err := c.Names()
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range names {
		if _, ok := samples[c.Template(n)]; !ok {
			errs = append(errs, fmt.Errorf("message %s: no sample data to check it with", n))
		}
	}
	tpls := make([]Template, 0, len(samples))
	for t := range samples {
		tpls = append(tpls, t)
	}
	slices.SortFunc(tpls, func(a, b Template) int { return strings.Compare(a.Name, b.Name) })
	for _, t := range tpls {
		if t.catalog != c {
			errs = append(errs, fmt.Errorf("message %s: not from this catalog", t.Name))
			continue
		}
		for _, tag := range Supported {
			lang := tag.String()
			e, err := t.Render(lang, samples[t])
			if err != nil {
				errs = append(errs, fmt.Errorf("%s in %s: %w", t.Name, lang, err))
				continue
			}
			if e.Text == "" || (!strings.HasSuffix(t.Name, smsSuffix) && (e.Subject == "" || e.HTML == "")) {
				errs = append(errs, fmt.Errorf("%s in %s: rendered empty: %+v", t.Name, lang, e))
			}
			if strings.Contains(e.Subject+e.Text+e.HTML, "{{") {
				errs = append(errs, fmt.Errorf("%s in %s: {{ left in %q", t.Name, lang, e.Subject+"\n"+e.Text))
			}
		}
	}
	return errors.Join(errs...)
}
