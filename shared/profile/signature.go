package profile

import (
	"context"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/profile/basic"
)

// MaxSignatureBytes is the largest signature stored, measured after
// sanitizing (API.md: at most 10 KB).
const MaxSignatureBytes = 10 * 1024

// signaturePolicy is the allow-list for email signatures (API.md): text
// formatting, tables, lists, links and images; no script, event handler,
// form, iframe, object or style sheet; URLs only https (no javascript:,
// data:, relative or protocol-less URLs); inline styles only for properties
// whose values cannot load anything (no url(), no background images).
// bluemonday drops the contents of script and style elements entirely.
func signaturePolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "div", "span", "b", "strong", "i", "em", "u", "s", "small", "big",
		"sub", "sup", "hr", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
		"table", "thead", "tbody", "tfoot", "tr", "td", "th", "center", "font")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("title").Globally()
	p.AllowAttrs("src").OnElements("img")
	p.AllowAttrs("alt").OnElements("img")
	p.AllowAttrs("width", "height").Matching(regexp.MustCompile(`^[0-9]{1,4}(%|px)?$`)).OnElements("img", "table", "td", "th")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`(?i)^(left|right|center|justify)$`)).OnElements("p", "div", "td", "th", "table", "img", "h1", "h2", "h3", "h4", "h5", "h6")
	p.AllowAttrs("valign").Matching(regexp.MustCompile(`(?i)^(top|middle|bottom|baseline)$`)).OnElements("td", "th", "tr")
	p.AllowAttrs("colspan", "rowspan").Matching(regexp.MustCompile(`^[0-9]{1,3}$`)).OnElements("td", "th")
	p.AllowAttrs("cellpadding", "cellspacing", "border").Matching(regexp.MustCompile(`^[0-9]{1,3}$`)).OnElements("table")
	p.AllowAttrs("color").Matching(regexp.MustCompile(`^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,20})$`)).OnElements("font")
	p.AllowAttrs("size").Matching(regexp.MustCompile(`^[+-]?[1-7]$`)).OnElements("font")
	p.AllowAttrs("face").Matching(regexp.MustCompile(`^[a-zA-Z0-9 ,\-]{1,100}$`)).OnElements("font")
	// Inline styles: bluemonday checks each property's value with its own
	// grammar; none of these accepts url(), expression() or image values.
	p.AllowStyles("color", "background-color", "font-size", "font-weight", "font-style", "font-family",
		"text-align", "text-decoration", "line-height", "vertical-align", "white-space",
		"margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
		"padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
		"border-width", "border-style", "border-color", "border-collapse",
		"width", "height", "max-width", "display").Globally()
	// https with a host only: no opaque "https:x", no user:password@.
	p.AllowURLSchemeWithCustomPolicy("https", func(u *url.URL) bool {
		return u.Host != "" && u.User == nil && u.Opaque == ""
	})
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}

// Signer sanitizes and renders signatures. The zero value is not usable;
// build it with NewSigner (a policy is safe for concurrent use).
type Signer struct{ policy *bluemonday.Policy }

// NewSigner returns a Signer with the signature policy.
func NewSigner() *Signer { return &Signer{policy: signaturePolicy()} }

// defaultSigner serves the PATCH validation; bluemonday policies are safe
// for concurrent use once built and it is never changed. Built on first
// use, not at start-up: constructing the policy takes about 1 ms, which
// GET /v1/me (the hottest route) never needs.
var defaultSigner = sync.OnceValue(NewSigner)

// SanitizeSignature returns the signature HTML with everything outside the
// policy removed, or a message when the result is too long or the input is
// not UTF-8.
func (s *Signer) SanitizeSignature(in string) (string, string) {
	if !utf8.ValidString(in) {
		return "", "must be valid UTF-8 text"
	}
	out := strings.TrimSpace(s.policy.Sanitize(in))
	if len(out) > MaxSignatureBytes {
		return "", "must be at most 10 KB after sanitizing"
	}
	return out, ""
}

// placeholder matches a custom value such as {{user.first_name}}: letters,
// digits, '_', '.' and spaces between double braces; unknown names render
// empty. A placeholder can hold no quote or angle bracket, so removing or
// filling one can never close an attribute or open a tag of the sanitized
// markup around it.
var placeholder = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{\{[\s\w.]{0,100}\}\}`) })

// SignatureValues are the custom values of API.md for a user, unescaped.
func SignatureValues(u account.User) map[string]string {
	full := strings.TrimSpace(u.FirstName + " " + u.LastName)
	ph := u.PhoneInternational // stored when the phone was verified
	if ph == "" {
		ph = u.Phone
	}
	return map[string]string{
		"user.first_name": u.FirstName,
		"user.last_name":  u.LastName,
		"user.full_name":  full,
		"user.email":      u.Email,
		"user.phone":      ph,
	}
}

// RenderSignature fills the custom values into sanitized signature HTML
// (HTML-escaped; unknown placeholders render empty) and returns the HTML
// and a plain-text rendering.
func RenderSignature(sanitized string, values map[string]string) (htmlOut, text string) {
	htmlOut = placeholder().ReplaceAllStringFunc(sanitized, func(m string) string {
		name := strings.TrimSpace(m[2 : len(m)-2])
		return html.EscapeString(values[name])
	})
	return htmlOut, HTMLToText(htmlOut)
}

// blockElements end a line in the plain-text rendering.
var blockElements = map[string]bool{
	"p": true, "div": true, "br": true, "tr": true, "li": true, "hr": true, "table": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "blockquote": true,
}

// HTMLToText renders (sanitized) HTML as plain text: block elements become
// line breaks, links show their address after the text, images their alt
// text, and runs of white space collapse.
func HTMLToText(s string) string {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	var hrefs []string
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return tidyText(b.String())
		case xhtml.TextToken:
			b.WriteString(string(z.Text()))
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken, xhtml.EndTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[string(k)] = string(v)
			}
			switch {
			case tt == xhtml.EndTagToken && tag == "a":
				if n := len(hrefs); n > 0 {
					if h := hrefs[n-1]; h != "" {
						b.WriteString(" (" + h + ")")
					}
					hrefs = hrefs[:n-1]
				}
			case tt != xhtml.EndTagToken && tag == "a":
				hrefs = append(hrefs, attrs["href"])
			case tt != xhtml.EndTagToken && tag == "img":
				b.WriteString(attrs["alt"])
			case tag == "td" || tag == "th":
				b.WriteString(" ")
			case blockElements[tag]:
				b.WriteString("\n")
			}
		}
	}
}

// tidyText collapses spaces within lines and drops empty lines.
func tidyText(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.Join(strings.Fields(l), " ")
		if l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func patchSignature(u *account.User, raw json.RawMessage, v *account.Validation) {
	if basic.IsNull(raw) {
		u.Signature = account.Signature{}
		return
	}
	var next account.Signature
	if !mergeMember("signature", u.Signature, raw, &next, v) {
		return
	}
	clean, msg := defaultSigner().SanitizeSignature(next.HTML)
	if msg != "" {
		v.Add("signature.html", msg)
		return
	}
	next.HTML = clean
	u.Signature = next
}

// PreviewSignature renders a signature with u's custom values filled:
// draft when given (sanitized first; a validation error on "html" if it
// cannot be kept), else the stored signature. It returns the HTML and its
// plain-text form.
func (s *Service) PreviewSignature(ctx context.Context, u account.User, draft *string) (htmlOut, text string, err error) {
	src := u.Signature.HTML
	if draft != nil {
		clean, msg := defaultSigner().SanitizeSignature(*draft)
		if msg != "" {
			return "", "", account.Invalid("html", msg)
		}
		src = clean
	}
	htmlOut, text = RenderSignature(src, SignatureValues(u))
	return htmlOut, text, nil
}
