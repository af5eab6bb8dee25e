package twofactor

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/example/myprofile/shared/datakey/keyedhash"
	"github.com/example/myprofile/shared/datakey/seal"
)

// TOTPParams are the RFC 6238 parameters. Production uses Standard; tests
// run the RFC's 8-digit reference vectors through the same code path.
type TOTPParams struct {
	Period uint
	Digits otp.Digits
	// Skew is how many steps either side of the current one are accepted.
	Skew int64
}

// Standard is what API.md fixes: SHA-1, 6 digits, 30 s, one step of skew.
var Standard = TOTPParams{Period: 30, Digits: otp.DigitsSix, Skew: 1}

// secretSize is 160 bits: RFC 4226 section 4 requires at least 128 and
// recommends 160 (the SHA-1 block's natural key length).
const secretSize = 20

// Step returns the RFC 6238 time step of an instant.
func (p TOTPParams) Step(t time.Time) int64 { return t.Unix() / int64(p.Period) }

// Match checks code against the secret (base32) at now, within the skew,
// and returns the time step it belongs to. Only steps after lastStep count:
// a code of an already accepted step is a replay (replay is true when the
// code matched such a step and no later one). Comparisons are constant time.
func (p TOTPParams) Match(secret, code string, now time.Time, lastStep int64) (step int64, ok, replay bool, err error) {
	code = strings.TrimSpace(code)
	if len(code) != p.Digits.Length() {
		return 0, false, false, nil
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return 0, false, false, nil
		}
	}
	cur := p.Step(now)
	opts := totp.ValidateOpts{Period: p.Period, Digits: p.Digits, Algorithm: otp.AlgorithmSHA1}
	for s := cur - p.Skew; s <= cur+p.Skew; s++ {
		want, gerr := totp.GenerateCodeCustom(secret, time.Unix(s*int64(p.Period), 0).UTC(), opts)
		if gerr != nil {
			return 0, false, false, fmt.Errorf("totp code: %w", gerr)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		if s <= lastStep {
			replay = true
			continue
		}
		return s, true, false, nil
	}
	return 0, false, replay, nil
}

// NewTOTPKey makes a new 160-bit secret with its otpauth:// URI.
func NewTOTPKey(issuer, account string) (*otp.Key, error) {
	k, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Period: Standard.Period,
		SecretSize: secretSize, Digits: Standard.Digits, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return nil, fmt.Errorf("totp generate: %w", err)
	}
	return k, nil
}

// KeySource supplies the data key (config MFA_DATA_KEY or the secret named
// by MFA_DATA_KEY_SECRET); it may fetch the key on first use.
type KeySource interface {
	DataKey(ctx context.Context) ([]byte, error)
}

// StaticKey is a data key known up front.
type StaticKey []byte

// DataKey implements KeySource.
func (k StaticKey) DataKey(context.Context) ([]byte, error) { return k, nil }

// Sealer encrypts secrets at rest with AES-256-GCM under the data key. The
// user id is the additional data, so a sealed secret copied to another
// user's item does not open.
type Sealer struct {
	Keys KeySource // a 32-byte key
}

// ErrNoKey is returned when no data key is configured.
var ErrNoKey = errors.New("mfa: no data key configured (MFA_DATA_KEY or MFA_DATA_KEY_SECRET)")

// box is the shared data-key sealer (package seal); twofactor keeps its
// own ErrNoKey and "mfa:" errors.
func (s Sealer) box() seal.Sealer { return seal.Sealer{Keys: s.Keys} }

// mfaErr keeps ErrNoKey for a missing or short key and marks the others.
func mfaErr(err error) error {
	if errors.Is(err, seal.ErrNoKey) {
		return ErrNoKey
	}
	return fmt.Errorf("mfa: %w", err)
}

func (s Sealer) key(ctx context.Context) ([]byte, error) {
	k, err := s.box().Key(ctx)
	if err != nil {
		return nil, mfaErr(err)
	}
	return k, nil
}

// MAC is HMAC-SHA256 under the data key over msg, in hex: the keyed hash
// of one-time codes every capability shares (package keyedhash).
func (s Sealer) MAC(ctx context.Context, msg string) (string, error) {
	k, err := s.key(ctx)
	if err != nil {
		return "", err
	}
	return keyedhash.Sum(k, msg), nil
}

// Seal encrypts plaintext for a user: base64(nonce || ciphertext), the user
// id as the binding.
func (s Sealer) Seal(ctx context.Context, userID, plaintext string) (string, error) {
	out, err := s.box().Seal(ctx, userID, plaintext)
	if err != nil {
		return "", mfaErr(err)
	}
	return out, nil
}

// Open decrypts what Seal made for the same user.
func (s Sealer) Open(ctx context.Context, userID, sealed string) (string, error) {
	pt, err := s.box().Open(ctx, userID, sealed)
	if err != nil {
		return "", mfaErr(err)
	}
	return pt, nil
}
