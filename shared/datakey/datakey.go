// Package datakey reads the stack's data key from AWS Secrets Manager. It
// seals the two-factor secrets, the SSO client secrets and the connected
// accounts' credentials (package seal), and keys the hashes of one-time
// codes (package keyedhash). The key is fetched on first use, not when a function
// starts (init makes no network call), and kept for the life of the
// execution environment; a failed read is retried by the next request. The
// key is never in a function's configuration, where anyone allowed
// lambda:GetFunctionConfiguration could read it.
package datakey

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/example/myprofile/shared/config"
)

// SecretReader is the Secrets Manager call the key needs.
type SecretReader interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Secret is a data key held in a Secrets Manager secret: standard base64 of
// 32 bytes or a random passphrase of at least 48 characters (the stack's
// generated secret), as config.ParseDataKey reads them.
type Secret struct {
	Client SecretReader
	ID     string // secret ARN or name

	mu  sync.Mutex
	key []byte
}

// DataKey returns the key, reading the secret the first time.
func (s *Secret) DataKey(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	out, err := s.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.ID)})
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", s.ID, err)
	}
	v := aws.ToString(out.SecretString)
	if v == "" {
		return nil, fmt.Errorf("secret %s: no SecretString (a binary secret is not a data key)", s.ID)
	}
	k, err := config.ParseDataKey(v)
	if err != nil {
		// The value is never quoted.
		return nil, fmt.Errorf("secret %s: the data key %w", s.ID, err)
	}
	s.key = k
	return k, nil
}
