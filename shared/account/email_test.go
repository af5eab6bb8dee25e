package account

import (
	"strings"
	"testing"
)

func TestCleanEmail(t *testing.T) {
	for _, tt := range []struct {
		name, in, want, msg string
	}{
		{"trimmed and lower-cased", "  Ada@Example.COM ", "ada@example.com", ""},
		{"empty", "   ", "", "must not be empty"},
		{"too long", strings.Repeat("a", 250) + "@x.io", "", "must be at most 254 characters"},
		{"display name", "Ada <ada@example.com>", "", "must be an email address like name@example.com"},
		{"single-label domain", "ada@localhost", "", msgEmailDomain},
		{"full-width local part", "ａｄａ@example.com", "", msgEmailLocal},
		{"non-ASCII local part", "adá@example.com", "", msgEmailLocal},
		{"Cyrillic look-alike in the local part", "аda@example.com", "", msgEmailLocal},
		{"zero-width space", "ada\u200b@example.com", "", msgEmailInvisible},
		{"zero-width joiner in the domain", "ada@exam\u200dple.com", "", msgEmailInvisible},
		{"right-to-left override", "ada\u202e@example.com", "", msgEmailInvisible},
		{"soft hyphen", "a\u00adda@example.com", "", msgEmailInvisible},
		{"byte order mark", "\ufeffada@example.com", "", msgEmailInvisible},
		{"IPv4 literal", "ada@[192.0.2.1]", "", msgEmailIP},
		{"IPv6 literal", "ada@[IPv6:2001:db8::1]", "", msgEmailIP},
		{"bare IPv4 domain", "ada@192.0.2.1", "", msgEmailIP},
		{"internationalized domain to ASCII", "Ada@Bücher.DE", "ada@xn--bcher-kva.de", ""},
		{"full-width domain folds to ASCII", "ada@ｅｘａｍｐｌｅ.com", "ada@example.com", ""},
		{"punycode domain kept", "ada@xn--bcher-kva.de", "ada@xn--bcher-kva.de", ""},
		{"invalid IDNA label", "ada@xn--a.com", "", msgEmailDomain},
		{"underscore in domain", "ada@ex_ample.com", "", msgEmailDomain},
		{"trailing dot", "ada@example.com.", "", "must be an email address like name@example.com"},
		{"plus and dots in the local part", "ada.l+news@example.com", "ada.l+news@example.com", ""},
		{"local part over 64", strings.Repeat("a", 65) + "@example.com", "", "must be an email address like name@example.com"},
		{"not an address", "ada", "", "must be an email address like name@example.com"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, msg := CleanEmail(tt.in)
			if got != tt.want || msg != tt.msg {
				t.Errorf("CleanEmail(%q) = %q, %q; want %q, %q", tt.in, got, msg, tt.want, tt.msg)
			}
			if msg == "" && got != NormalizeEmail(tt.in) {
				t.Errorf("CleanEmail(%q) = %q, NormalizeEmail gives %q", tt.in, got, NormalizeEmail(tt.in))
			}
		})
	}
}
