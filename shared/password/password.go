package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters. Defaults follow the OWASP Password
// Storage Cheat Sheet minimum (m=19 MiB, t=2, p=1).
type Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
	SaltLen   int
	KeyLen    uint32
}

// DefaultParams is the production cost.
var DefaultParams = Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// ErrMismatch is returned by Verify when the password is wrong.
var ErrMismatch = errors.New("password does not match")

// Hasher hashes and verifies passwords.
type Hasher struct {
	Params Params
}

// NewHasher returns a hasher with the given parameters. It computes
// nothing: a function that never checks a password pays no hash when it
// starts.
func NewHasher(p Params) *Hasher { return &Hasher{Params: p} }

// Hash returns the PHC-format argon2id hash of the password, with a random
// salt. The whole password is hashed; nothing is truncated.
func (h *Hasher) Hash(password string) (string, error) {
	salt := make([]byte, h.Params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.Params.Time, h.Params.MemoryKiB, h.Params.Threads, h.Params.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.Params.MemoryKiB, h.Params.Time, h.Params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify checks a password against a hash made by Hash (with any cost
// parameters), in constant time. It returns ErrMismatch when it does not
// match and another error when the hash is malformed.
func (h *Hasher) Verify(password, encoded string) error {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(key)))
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return ErrMismatch
	}
	return nil
}

// dummySalt salts VerifyDummy's hash; any fixed value does.
var dummySalt = []byte("timing-equaliser")

// VerifyDummy spends the time of one verification at the hasher's cost and
// always fails; call it when the account does not exist, so that an unknown
// email costs the same time as a wrong password.
func (h *Hasher) VerifyDummy(password string) {
	key := argon2.IDKey([]byte(password), dummySalt, h.Params.Time, h.Params.MemoryKiB, h.Params.Threads, h.Params.KeyLen)
	_ = subtle.ConstantTimeCompare(key, make([]byte, len(key)))
}

// NeedsRehash reports whether a stored hash uses weaker parameters than the
// hasher's, so the caller can upgrade it after a successful sign-in.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, _, _, err := decode(encoded)
	if err != nil {
		return true
	}
	return p.MemoryKiB < h.Params.MemoryKiB || p.Time < h.Params.Time
}

func decode(encoded string) (Params, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return Params{}, nil, nil, errors.New("password hash: not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return Params{}, nil, nil, errors.New("password hash: unsupported version")
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return Params{}, nil, nil, fmt.Errorf("password hash: parameters: %w", err)
	}
	if p.MemoryKiB == 0 || p.Time == 0 || p.Threads == 0 || p.MemoryKiB > 4<<20 || p.Time > 100 {
		return Params{}, nil, nil, errors.New("password hash: parameters out of range")
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return Params{}, nil, nil, fmt.Errorf("password hash: salt: %w", err)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return Params{}, nil, nil, errors.New("password hash: key")
	}
	return p, salt, key, nil
}
