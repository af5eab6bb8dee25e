package connections

import (
	"context"
	"fmt"

	"github.com/example/myprofile/shared/datakey/seal"
)

// KeySource gives the stack's 32-byte data key (datakey.Secret, or a
// static key locally).
type KeySource = seal.KeySource

// DataKeySealer is the Sealer under the data key: the shared sealer of
// package seal (AES-256-GCM, base64(nonce || ciphertext)), the additional
// data binding a value to its user and connection.
type DataKeySealer struct{ Keys KeySource }

// Seal implements Sealer.
func (s DataKeySealer) Seal(ctx context.Context, aad, plaintext string) (string, error) {
	out, err := seal.Sealer{Keys: s.Keys}.Seal(ctx, aad, plaintext)
	if err != nil {
		return "", fmt.Errorf("connections: %w", err)
	}
	return out, nil
}

// Open implements Sealer.
func (s DataKeySealer) Open(ctx context.Context, aad, sealed string) (string, error) {
	out, err := seal.Sealer{Keys: s.Keys}.Open(ctx, aad, sealed)
	if err != nil {
		return "", fmt.Errorf("connections: %w", err)
	}
	return out, nil
}
