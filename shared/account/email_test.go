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
		{"no dot in domain", "ada@localhost", "", "must be an email address like name@example.com"},
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
