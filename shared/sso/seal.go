package sso

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// Client secrets are sealed like the two-factor secrets: AES-256-GCM under
// the stack's data key, a random nonce per seal, and the organization id
// as additional data, so a sealed secret copied to another organization's
// configuration does not open.

func (s *Service) aead(ctx context.Context) (cipher.AEAD, error) {
	if s.Keys == nil {
		return nil, errors.New("sso: no data key configured")
	}
	k, err := s.Keys.DataKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("sso: data key: %w", err)
	}
	if len(k) != 32 {
		return nil, errors.New("sso: the data key is not 32 bytes")
	}
	b, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	return cipher.NewGCM(b)
}

func aad(orgID string) []byte { return []byte("sso-client-secret#" + orgID) }

// seal encrypts an organization's client secret: base64(nonce || ciphertext).
func (s *Service) seal(ctx context.Context, orgID, secret string) (string, error) {
	a, err := s.aead(ctx)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	return base64.StdEncoding.EncodeToString(a.Seal(nonce, nonce, []byte(secret), aad(orgID))), nil
}

// open decrypts what seal made for the same organization.
func (s *Service) open(ctx context.Context, orgID, sealed string) (string, error) {
	a, err := s.aead(ctx)
	if err != nil {
		return "", err
	}
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < a.NonceSize() {
		return "", errors.New("sso: sealed client secret malformed")
	}
	pt, err := a.Open(nil, raw[:a.NonceSize()], raw[a.NonceSize():], aad(orgID))
	if err != nil {
		return "", fmt.Errorf("sso: open client secret: %w", err)
	}
	return string(pt), nil
}
