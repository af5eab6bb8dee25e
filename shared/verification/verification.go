package verification

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/datakey/keyedhash"
	"github.com/example/myprofile/shared/events"
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
	// Keyed marks a change whose code hashes are keyed with the server's
	// data key (HashCode). Changes stored before (their HMAC was keyed with
	// a salt kept in the item) lack it and are void: their codes expire
	// within CodeTTL anyway, and the user requests new ones.
	Keyed bool `dynamodbav:"keyed"`
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
	ConfirmEmail(ctx context.Context, u account.User, oldEmail string, expectVersion int64, c Change, now time.Time, evs ...events.Event) error
	// ConfirmPhone saves u (version-conditioned) and deletes the pending
	// change in one transaction; errors as ConfirmEmail. Both put evs (the
	// events reporting the change) in the events outbox within the same
	// transaction, so they are recorded if and only if the change commits.
	ConfirmPhone(ctx context.Context, u account.User, expectVersion int64, c Change, now time.Time, evs ...events.Event) error
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

// NewID returns a random change id.
func NewID() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("verify: random id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// CodeHashes hashes codes with the server-side data key (keyedhash): a
// stored hash cannot be checked, so a code cannot be recovered, by anyone
// who reads the table but not the key.
type CodeHashes struct {
	Hasher keyedhash.Hasher
}

// parts binds a code to its user, change, purpose and address. The purpose
// ("target" or "current") makes the two email codes not interchangeable.
func codeParts(c Change, purpose, code string) []string {
	addr := c.Target
	if purpose == "current" {
		addr = c.Current
	}
	return []string{"verify-code", c.UserID, c.ID, c.Kind, purpose, addr, code}
}

// HashCode is the stored form of the code of purpose of change c.
func (h CodeHashes) HashCode(ctx context.Context, c Change, purpose, code string) (string, error) {
	return h.Hasher.Sum(ctx, codeParts(c, purpose, code)...)
}

// CodeMatches compares a submitted code with the stored hash in constant
// time; an error only when the key cannot be read.
func (h CodeHashes) CodeMatches(ctx context.Context, c Change, purpose, code, storedHash string) (bool, error) {
	return h.Hasher.Match(ctx, storedHash, codeParts(c, purpose, code)...)
}
