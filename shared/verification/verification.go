package verification

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/example/myprofile/shared/account"
)

// Kinds of pending change.
const (
	KindEmail = "email"
	KindPhone = "phone"
)

// CodeTTL is how long codes stay valid (ASVS 2.7.2 asks for at most 10 minutes).
const CodeTTL = 10 * time.Minute

// MaxAttempts is how many confirmations a pending change allows; the last
// wrong one voids it.
const MaxAttempts = 5

// Errors of the store.
var (
	// ErrNoPending: no pending change, or not the one expected (replaced,
	// cancelled, already confirmed or expired).
	ErrNoPending = errors.New("verify: no pending change")
	// ErrTooManyAttempts: the pending change has used all its attempts.
	ErrTooManyAttempts = errors.New("verify: too many attempts")
)

// Change is one pending email or phone change.
type Change struct {
	UserID string `dynamodbav:"userId"`
	Kind   string `dynamodbav:"kind"`
	// ID identifies this request: confirmations act only on the change they
	// read, never on one that replaced it.
	ID string `dynamodbav:"id"`
	// Target is the new (normalised) email or E.164 phone number.
	Target string `dynamodbav:"target"`
	// Current is the email the current-address code went to (email only).
	Current string `dynamodbav:"current"`
	// Salt keys the HMAC of the codes (hex, 16 random bytes).
	Salt string `dynamodbav:"salt"`
	// TargetHash is the HMAC of the code sent to Target.
	TargetHash string `dynamodbav:"targetHash"`
	// CurrentHash is the HMAC of the code sent to Current (email only).
	CurrentHash string    `dynamodbav:"currentHash"`
	Attempts    int       `dynamodbav:"attempts"`
	CreatedAt   time.Time `dynamodbav:"createdAt"`
	ExpiresAt   time.Time `dynamodbav:"expiresAt"`
}

// Expired reports whether the change's codes are past their expiry at now.
func (c Change) Expired(now time.Time) bool { return !now.Before(c.ExpiresAt) }

// Store keeps pending changes and applies confirmed ones.
type Store interface {
	// PutChange stores c, replacing any pending change of the same kind
	// for the same user.
	PutChange(ctx context.Context, c Change) error
	// GetChange reads the pending change of a kind (strongly consistent).
	// ErrNoPending if there is none. Expired changes are returned as they
	// are: the caller decides (DynamoDB's TTL deletion is late or, locally,
	// never).
	GetChange(ctx context.Context, userID, kind string) (Change, error)
	// CountAttempt adds one attempt to the pending change with this id, only
	// while it has fewer than max, and returns the new count. ErrNoPending
	// if the change is gone or replaced, ErrTooManyAttempts if it already
	// has max attempts.
	CountAttempt(ctx context.Context, userID, kind, id string, max int) (int, error)
	// DeleteChange deletes the pending change of a kind; with id != "" only
	// if it is still that change. No error if there is nothing to delete.
	DeleteChange(ctx context.Context, userID, kind, id string) error
	// ConfirmEmail, in one transaction: claims u.Email's uniqueness item
	// for u, releases oldEmail's (which must still point to u), saves u if
	// the stored version is still expectVersion, and deletes the pending
	// change c.ID if it is still there and not expired at now.
	// ErrNoPending if the change is gone, account.ErrEmailTaken if the email
	// is held, account.ErrConflict if the user or the old email item changed
	// meanwhile, or the transaction collided with another (retry).
	ConfirmEmail(ctx context.Context, u account.User, oldEmail string, expectVersion int64, c Change, now time.Time) error
	// ConfirmPhone saves u (version-conditioned) and deletes the pending
	// change in one transaction; errors as ConfirmEmail.
	ConfirmPhone(ctx context.Context, u account.User, expectVersion int64, c Change, now time.Time) error
	// LookupEmail returns the id of the user holding an email;
	// account.ErrNotFound if none.
	LookupEmail(ctx context.Context, email string) (string, error)
	// GetUser reads a user record (strongly consistent).
	GetUser(ctx context.Context, userID string) (account.User, error)
}

// NewCode returns 6 uniformly random decimal digits from crypto/rand.
func NewCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("verify: random code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// NewSalt returns a fresh random salt (hex).
func NewSalt() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("verify: random salt: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// NewID returns a random change id.
func NewID() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("verify: random id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// HashCode is the stored form of a code: HMAC-SHA256 keyed with the
// change's salt over the change id, the code's purpose and the code. The
// purpose ("target" or "current") makes the two email codes not
// interchangeable.
func HashCode(salt, changeID, purpose, code string) string {
	m := hmac.New(sha256.New, []byte(salt))
	m.Write([]byte(changeID))
	m.Write([]byte{0})
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

// CodeMatches compares a submitted code with a stored hash in constant time.
func CodeMatches(salt, changeID, purpose, code, storedHash string) bool {
	want, err := hex.DecodeString(storedHash)
	if err != nil || len(want) != sha256.Size {
		return false
	}
	got, _ := hex.DecodeString(HashCode(salt, changeID, purpose, code))
	return hmac.Equal(got, want)
}
