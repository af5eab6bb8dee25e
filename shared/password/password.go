package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

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

// Policy is the password policy.
type Policy struct {
	MinLength   int  // in characters (runes)
	MaxLength   int  // in characters (runes)
	Composition bool // require lower case, upper case, digit and symbol
	// MinScore is the lowest zxcvbn score (0 to 4) accepted; 0 skips the
	// estimate. 3 is "safely unguessable": about 10^8 to 10^10 guesses.
	MinScore int
	// Breach, when set, also refuses passwords found in a breach corpus
	// (CheckContext only). Nil turns the check off.
	Breach *BreachChecker
}

// DefaultMinScore is the zxcvbn score new passwords must reach.
const DefaultMinScore = 3

// DefaultPolicy is the policy of API.md.
func DefaultPolicy(composition bool) Policy {
	return Policy{MinLength: 12, MaxLength: 128, Composition: composition, MinScore: DefaultMinScore}
}

// Check returns the reasons the password is refused (nil when it is
// acceptable). email may be empty; email and names (the user's first and
// last names) are words an attacker knows, so a password built on them is
// weaker. The strength estimate runs only when every cheaper rule passes.
func (p Policy) Check(password, email string, names ...string) []string {
	var problems []string
	if !utf8.ValidString(password) {
		return []string{"must be valid UTF-8 text"}
	}
	n := utf8.RuneCountInString(password)
	if n < p.MinLength {
		problems = append(problems, fmt.Sprintf("must be at least %d characters", p.MinLength))
	}
	if n > p.MaxLength {
		problems = append(problems, fmt.Sprintf("must be at most %d characters", p.MaxLength))
	}
	if isCommon(password) {
		problems = append(problems, "is too common; choose one that is harder to guess")
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if local, _, ok := strings.Cut(email, "@"); ok && len(local) >= 3 &&
		strings.Contains(strings.ToLower(password), local) {
		problems = append(problems, "must not contain your email address")
	}
	if p.Composition {
		var lower, upper, digit, symbol bool
		for _, r := range password {
			switch {
			case unicode.IsLower(r):
				lower = true
			case unicode.IsUpper(r):
				upper = true
			case unicode.IsDigit(r):
				digit = true
			case unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r):
				symbol = true
			}
		}
		if !lower || !upper || !digit || !symbol {
			problems = append(problems, "must contain a lower-case letter, an upper-case letter, a digit and a symbol")
		}
	}
	if len(problems) == 0 && p.MinScore > 0 && tooGuessable(password, p.MinScore, userInputs(email, names)) {
		problems = append(problems, "is too easy to guess; use a longer phrase of unrelated words")
	}
	return problems
}

// CheckContext is Check and then, when the policy has a Breach checker,
// the breach corpus. The breach check fails open: when the range API
// cannot be reached the password is accepted and the failure counted.
func (p Policy) CheckContext(ctx context.Context, password, email string, names ...string) []string {
	problems := p.Check(password, email, names...)
	if len(problems) > 0 || p.Breach == nil {
		return problems
	}
	if p.Breach.Breached(ctx, password) {
		return []string{"appears in a data breach; choose another"}
	}
	return nil
}

// userInputs are the words of the user's email and names the estimate
// treats as known to an attacker.
func userInputs(email string, names []string) []string {
	var in []string
	add := func(s string) {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			in = append(in, s)
		}
	}
	if local, domain, ok := strings.Cut(email, "@"); ok {
		add(local)
		add(domain)
		for _, w := range strings.FieldsFunc(local, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			add(w)
		}
	}
	for _, n := range names {
		add(n)
		for _, w := range strings.Fields(n) {
			add(w)
		}
	}
	return in
}
