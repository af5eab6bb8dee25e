package sessions

import (
	"strings"
	"testing"
	"time"
)

func TestTokenFormat(t *testing.T) {
	s := &Service{Now: time.Now, IdleTTL: time.Hour, AbsoluteTTL: 2 * time.Hour}
	sess, tok, err := s.New("0b3c9c7e-1d2a-4c4e-9b8a-2f1e0d9c8b7a", "ua", "1.2.3.4")
	if err != nil {
		t.Fatal(err)
	}
	uid, sid, secret, ok := ParseToken(tok)
	if !ok || uid != sess.UserID || sid != sess.ID {
		t.Fatalf("ParseToken(%q) = %q %q ok=%v", tok, uid, sid, ok)
	}
	if strings.Contains(sess.TokenHash, secret) || hashSecret(secret) != sess.TokenHash {
		t.Error("the stored hash must be the SHA-256 of the secret, not the secret")
	}
	if len(secret) != 43 {
		t.Errorf("secret has %d characters, want 43 (256 bits base64url)", len(secret))
	}
	_, tok2, _ := s.New(sess.UserID, "", "")
	if tok2 == tok {
		t.Error("two tokens are equal")
	}
}

func TestParseTokenRejects(t *testing.T) {
	good := "user-1.0123456789abcdef0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	if _, _, _, ok := ParseToken(good); !ok {
		t.Fatal("well-formed token refused")
	}
	for name, tok := range map[string]string{
		"empty":              "",
		"two parts":          "a.b",
		"short session id":   "user-1.0123.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"non-hex session id": "user-1.zz23456789abcdef0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"bad secret":         "user-1.0123456789abcdef0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$!",
		"uppercase user id":  "USER.0123456789abcdef0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"huge":               strings.Repeat("a", 1000),
	} {
		if _, _, _, ok := ParseToken(tok); ok {
			t.Errorf("%s: accepted %q", name, tok)
		}
	}
}

func TestExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &Service{Now: func() time.Time { return now }, IdleTTL: 30 * 24 * time.Hour, AbsoluteTTL: 90 * 24 * time.Hour}
	sess, _, _ := s.New("u", "", "")
	if !sess.ExpiresAt.Equal(now.Add(30 * 24 * time.Hour)) {
		t.Errorf("new session expires %v, want idle limit", sess.ExpiresAt)
	}
	late := now.Add(80 * 24 * time.Hour)
	if got := s.expiry(sess, late); !got.Equal(sess.AbsoluteExpiry) {
		t.Errorf("recently used old session expires %v, want the absolute limit %v", got, sess.AbsoluteExpiry)
	}
}
