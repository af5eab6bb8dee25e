package twofactor

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
)

// Backup codes.
//
// A code is 10 characters from an alphabet without look-alikes (no 0/O,
// 1/I/L): the first 2 are a public id, unique within the user's set, the
// other 8 (40 bits) are the secret. The id is the item's sort key, so a
// check reads one item and verifies ONE argon2id hash (ASVS 6.5.2: an
// approved password hash for a low-entropy secret) instead of trying all
// ten. The hash covers the whole code, with its own salt; a stolen table
// still leaves 40 bits per code to brute-force through argon2id.
// Each code is consumed by a delete conditioned on its hash, so it works
// once even under concurrent submissions.

// backupAlphabet has 31 unambiguous characters (digits 2-9, capitals
// without I, L, O).
const backupAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

const (
	backupCount = 10
	backupLen   = 10
	backupIDLen = 2
)

func randomString(n int) (string, error) {
	var b strings.Builder
	max := big.NewInt(int64(len(backupAlphabet)))
	for i := 0; i < n; i++ {
		x, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", fmt.Errorf("random: %w", err)
		}
		b.WriteByte(backupAlphabet[x.Int64()])
	}
	return b.String(), nil
}

// newBackupCodes returns 10 new codes with distinct ids.
func newBackupCodes() ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for len(out) < backupCount {
		c, err := randomString(backupLen)
		if err != nil {
			return nil, err
		}
		if seen[c[:backupIDLen]] {
			continue
		}
		seen[c[:backupIDLen]] = true
		out = append(out, c)
	}
	return out, nil
}

// normalizeBackupCode upper-cases and drops spaces and dashes; ok is false
// when the result cannot be a code.
func normalizeBackupCode(s string) (string, bool) {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s)))
	if len(s) != backupLen {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(backupAlphabet, rune(s[i])) {
			return "", false
		}
	}
	return s, true
}

// hashBackupCodes hashes each code under its id.
func (s *Service) hashBackupCodes(codes []string) ([]BackupCode, error) {
	out := make([]BackupCode, 0, len(codes))
	for _, c := range codes {
		h, err := s.Hasher.Hash(c)
		if err != nil {
			return nil, fmt.Errorf("hash backup code: %w", err)
		}
		out = append(out, BackupCode{ID: c[:backupIDLen], Hash: h})
	}
	return out, nil
}
