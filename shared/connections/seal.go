package connections

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// KeySource gives the stack's 32-byte data key (datakey.Secret, or a
// static key locally).
type KeySource interface {
	DataKey(ctx context.Context) ([]byte, error)
}

// DataKeySealer is the Sealer under the data key: AES-256-GCM,
// base64(nonce || ciphertext), the additional data binding a value to its
// user and connection. It is the format of twofactor.Sealer, kept here so
// the connections functions do not link the two-factor code.
type DataKeySealer struct{ Keys KeySource }

func (s DataKeySealer) aead(ctx context.Context) (cipher.AEAD, error) {
	if s.Keys == nil {
		return nil, errors.New("connections: no data key configured")
	}
	k, err := s.Keys.DataKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("connections: data key: %w", err)
	}
	if len(k) != 32 {
		return nil, errors.New("connections: the data key is not 32 bytes")
	}
	b, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	return cipher.NewGCM(b)
}

// Seal implements Sealer.
func (s DataKeySealer) Seal(ctx context.Context, aad, plaintext string) (string, error) {
	a, err := s.aead(ctx)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	return base64.StdEncoding.EncodeToString(a.Seal(nonce, nonce, []byte(plaintext), []byte(aad))), nil
}

// Open implements Sealer.
func (s DataKeySealer) Open(ctx context.Context, aad, sealed string) (string, error) {
	a, err := s.aead(ctx)
	if err != nil {
		return "", err
	}
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < a.NonceSize() {
		return "", errors.New("connections: sealed value malformed")
	}
	out, err := a.Open(nil, raw[:a.NonceSize()], raw[a.NonceSize():], []byte(aad))
	if err != nil {
		return "", errors.New("connections: sealed value does not open (wrong key or owner)")
	}
	return string(out), nil
}
