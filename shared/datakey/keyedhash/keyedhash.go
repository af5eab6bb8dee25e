// Package keyedhash is the stored form of short one-time codes (SMS
// sign-in codes, email and phone change codes): HMAC-SHA256 under a
// server-side key, the 2FA data key (package datakey), over the code and
// what it is bound to. A 6-digit code has only a million values, so a hash
// anyone who reads the table could recompute (a salt kept in the same
// item) gives the code away; without the key, the stored hash says
// nothing. The key never leaves the functions (Secrets Manager, read at
// first use).
package keyedhash

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// MinKeyLen is the shortest key accepted (256 bits).
const MinKeyLen = 32

// ErrNoKey: no key, or one shorter than MinKeyLen.
var ErrNoKey = errors.New("keyedhash: no key of at least 32 bytes (MFA_DATA_KEY or MFA_DATA_KEY_SECRET)")

// KeySource supplies the key; it may fetch it on first use (datakey.Secret).
type KeySource interface {
	DataKey(ctx context.Context) ([]byte, error)
}

// Sum is hex(HMAC-SHA256(key, parts joined by NUL)). The first part names
// the use ("sms-code", "verify-code"), so a hash of one use never matches
// another; the others bind the code to its user, request and address.
func Sum(key []byte, parts ...string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(m.Sum(nil))
}

// Hasher hashes and checks codes under the key of Keys.
type Hasher struct {
	Keys KeySource
}

func (h Hasher) key(ctx context.Context) ([]byte, error) {
	if h.Keys == nil {
		return nil, ErrNoKey
	}
	k, err := h.Keys.DataKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("keyedhash: key: %w", err)
	}
	if len(k) < MinKeyLen {
		return nil, ErrNoKey
	}
	return k, nil
}

// Sum is the stored form of parts (see the function Sum).
func (h Hasher) Sum(ctx context.Context, parts ...string) (string, error) {
	k, err := h.key(ctx)
	if err != nil {
		return "", err
	}
	return Sum(k, parts...), nil
}

// Match compares parts' hash with a stored one in constant time; a stored
// value that is not a hex SHA-256 never matches.
func (h Hasher) Match(ctx context.Context, stored string, parts ...string) (bool, error) {
	want, err := hex.DecodeString(stored)
	if err != nil || len(want) != sha256.Size {
		return false, nil
	}
	k, err := h.key(ctx)
	if err != nil {
		return false, err
	}
	got, _ := hex.DecodeString(Sum(k, parts...))
	return hmac.Equal(got, want), nil
}
