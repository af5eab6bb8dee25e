package sso

import (
	"context"
	"fmt"

	"github.com/example/myprofile/shared/datakey/seal"
)

// Client secrets are sealed like the two-factor secrets (package seal):
// AES-256-GCM under the stack's data key, a random nonce per seal, and the
// organization id in the additional data, so a sealed secret copied to
// another organization's configuration does not open.

func aad(orgID string) string { return "sso-client-secret#" + orgID }

func (s *Service) sealer() seal.Sealer { return seal.Sealer{Keys: s.Keys} }

func ssoErr(err error) error { return fmt.Errorf("sso: %w", err) }

// seal encrypts an organization's client secret: base64(nonce || ciphertext).
func (s *Service) seal(ctx context.Context, orgID, secret string) (string, error) {
	out, err := s.sealer().Seal(ctx, aad(orgID), secret)
	if err != nil {
		return "", ssoErr(err)
	}
	return out, nil
}

// open decrypts what seal made for the same organization.
func (s *Service) open(ctx context.Context, orgID, sealed string) (string, error) {
	pt, err := s.sealer().Open(ctx, aad(orgID), sealed)
	if err != nil {
		return "", ssoErr(err)
	}
	return pt, nil
}
