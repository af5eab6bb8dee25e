// Package seal encrypts values at rest under the stack's data key: AES-256-GCM,
// a random nonce per seal, stored as base64(nonce || ciphertext), with a
// binding (a user id, an organization id, a connection id...) as the
// additional data, so a sealed value copied to another owner's item does not
// open. It is the one sealer the two-factor secrets, the SSO client secrets
// and the connection credentials share; it imports only the standard library
// so a capability can use it without linking another's dependencies.
package seal

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// KeyLen is the data key's length: AES-256.
const KeyLen = 32

// KeySource gives the stack's data key (datakey.Secret, or a static key
// locally).
type KeySource interface {
	DataKey(ctx context.Context) ([]byte, error)
}

var (
	// ErrNoKey: no key source, or a key that is not KeyLen bytes.
	ErrNoKey = errors.New("seal: no 32-byte data key configured")
	// ErrMalformed: the sealed value is not base64 or is shorter than a nonce.
	ErrMalformed = errors.New("seal: sealed value malformed")
	// ErrNotOpen: the value does not open (another key or another binding,
	// or it was altered).
	ErrNotOpen = errors.New("seal: sealed value does not open (wrong key or binding)")
)

// Sealer seals and opens values under the data key Keys gives.
type Sealer struct {
	Keys KeySource
}

// Key returns the data key, checked to be KeyLen bytes. An error reading it
// is wrapped; a missing or short key is ErrNoKey.
func (s Sealer) Key(ctx context.Context) ([]byte, error) {
	if s.Keys == nil {
		return nil, ErrNoKey
	}
	k, err := s.Keys.DataKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	if len(k) != KeyLen {
		return nil, ErrNoKey
	}
	return k, nil
}

func (s Sealer) aead(ctx context.Context) (cipher.AEAD, error) {
	k, err := s.Key(ctx)
	if err != nil {
		return nil, err
	}
	b, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	return cipher.NewGCM(b)
}

// Seal encrypts plaintext bound to binding: base64(nonce || ciphertext).
func (s Sealer) Seal(ctx context.Context, binding, plaintext string) (string, error) {
	a, err := s.aead(ctx)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	return base64.StdEncoding.EncodeToString(a.Seal(nonce, nonce, []byte(plaintext), []byte(binding))), nil
}

// Open decrypts what Seal made with the same key and binding.
func (s Sealer) Open(ctx context.Context, binding, sealed string) (string, error) {
	a, err := s.aead(ctx)
	if err != nil {
		return "", err
	}
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < a.NonceSize() {
		return "", ErrMalformed
	}
	pt, err := a.Open(nil, raw[:a.NonceSize()], raw[a.NonceSize():], []byte(binding))
	if err != nil {
		return "", ErrNotOpen
	}
	return string(pt), nil
}
