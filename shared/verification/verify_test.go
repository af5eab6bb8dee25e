package verification_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/datakey/keyedhash"
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

type staticKey []byte

func (k staticKey) DataKey(context.Context) ([]byte, error) { return k, nil }

func testCodes(k string) verification.CodeHashes {
	return verification.CodeHashes{Hasher: keyedhash.Hasher{Keys: staticKey(strings.Repeat(k, 32))}}
}

func TestCodeMatches(t *testing.T) {
	ctx := context.Background()
	codes := testCodes("k")
	c := verification.Change{UserID: "user-a", Kind: verification.KindEmail, ID: "change-1", Target: "new@example.com", Current: "old@example.com", Keyed: true}
	h, err := codes.HashCode(ctx, c, "target", "123456")
	if err != nil {
		t.Fatal(err)
	}
	if h == "123456" || len(h) != 64 {
		t.Fatalf("hash %q does not look like an HMAC-SHA256", h)
	}
	with := func(f func(*verification.Change)) verification.Change { d := c; f(&d); return d }
	tests := []struct {
		name          string
		codes         verification.CodeHashes
		c             verification.Change
		purpose, code string
		stored        string
		want          bool
	}{
		{"right code matches", codes, c, "target", "123456", h, true},
		{"wrong code is refused", codes, c, "target", "123457", h, false},
		{"code for the other address is refused", codes, c, "current", "123456", h, false},
		{"code of another change is refused", codes, with(func(c *verification.Change) { c.ID = "change-2" }), "target", "123456", h, false},
		{"code of another user is refused", codes, with(func(c *verification.Change) { c.UserID = "user-b" }), "target", "123456", h, false},
		{"code for another address is refused", codes, with(func(c *verification.Change) { c.Target = "x@example.com" }), "target", "123456", h, false},
		{"without the server key the hash cannot be checked", testCodes("x"), c, "target", "123456", h, false},
		{"empty code is refused", codes, c, "target", "", h, false},
		{"corrupt stored hash is refused", codes, c, "target", "123456", "zz", false},
		{"empty stored hash is refused", codes, c, "target", "123456", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.codes.CodeMatches(ctx, tc.c, tc.purpose, tc.code, tc.stored)
			if err != nil || got != tc.want {
				t.Errorf("got %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}
