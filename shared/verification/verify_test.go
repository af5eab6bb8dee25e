package verification_test

import (
	"regexp"
	"testing"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/verification"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestNewCodeIsSixDigits(t *testing.T) {
	six := regexp.MustCompile(`^[0-9]{6}$`)
	seen := map[string]bool{}
	for range 200 {
		c, err := verification.NewCode()
		if err != nil {
			t.Fatal(err)
		}
		if !six.MatchString(c) {
			t.Fatalf("code %q is not 6 digits", c)
		}
		seen[c] = true
	}
	if len(seen) < 190 {
		t.Errorf("200 codes gave only %d distinct values", len(seen))
	}
}

func TestCodeMatches(t *testing.T) {
	salt, err := verification.NewSalt()
	if err != nil {
		t.Fatal(err)
	}
	h := verification.HashCode(salt, "change-1", "target", "123456")
	if h == "123456" || len(h) != 64 {
		t.Fatalf("hash %q does not look like an HMAC-SHA256", h)
	}
	otherSalt, _ := verification.NewSalt()
	tests := []struct {
		name                    string
		salt, id, purpose, code string
		stored                  string
		want                    bool
	}{
		{"right code matches", salt, "change-1", "target", "123456", h, true},
		{"wrong code is refused", salt, "change-1", "target", "123457", h, false},
		{"code for the other address is refused", salt, "change-1", "current", "123456", h, false},
		{"code of another change is refused", salt, "change-2", "target", "123456", h, false},
		{"another salt gives another hash", otherSalt, "change-1", "target", "123456", h, false},
		{"empty code is refused", salt, "change-1", "target", "", h, false},
		{"corrupt stored hash is refused", salt, "change-1", "target", "123456", "zz", false},
		{"empty stored hash is refused", salt, "change-1", "target", "123456", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := verification.CodeMatches(tc.salt, tc.id, tc.purpose, tc.code, tc.stored); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
