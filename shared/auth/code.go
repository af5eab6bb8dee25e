package auth

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
	"github.com/example/myprofile/shared/notify"
)

// CodeTTL is how long a sign-up or reset code stays valid.
const CodeTTL = 15 * time.Minute

// PendingTTL is how long a pending sign-up is kept (the item's TTL): long
// enough to see it replaced by a new request, never an account.
const PendingTTL = 24 * time.Hour

// MaxAttempts is how many codes a pending sign-up or reset accepts; the
// last wrong one voids it.
const MaxAttempts = 5

// Code kinds: what a one-time code confirms (CodeRef.Kind).
const (
	KindSignUp = "signup"
	KindReset  = "reset"
)

// Errors of the code flows, wrapped in the *account.Error to answer.
var (
	// ErrNoPending: no pending sign-up or reset for this address (never
	// asked, replaced, used, voided); answered like a wrong code.
	ErrNoPending = errors.New("auth: no pending code")
	// ErrCodeInvalid: the code is not the one sent.
	ErrCodeInvalid = errors.New("auth: code invalid")
	// ErrCodeExpired: the code is past its 15 minutes.
	ErrCodeExpired = errors.New("auth: code expired")
	// ErrTooManyAttempts: wrong codes used up the attempts; the pending
	// sign-up or reset is void.
	ErrTooManyAttempts = errors.New("auth: too many attempts")
)

// KeySource supplies the server-side key codes are HMAC'd under (the 2FA
// data key: config MFA_DATA_KEY, or the secret MFA_DATA_KEY_SECRET names,
// read on first use).
type KeySource interface {
	DataKey(ctx context.Context) ([]byte, error)
}

// CodeRef names one pending code: a sign-up (Key = email) or a reset
// (Key = user id), in the version ID (each request makes a new one).
type CodeRef struct {
	Kind string
	Key  string
	ID   string
}

// PendingSignUp is a sign-up waiting for its code: everything the account
// will be made of, the password already hashed. Nothing else is stored
// before the address is proven.
type PendingSignUp struct {
	ID           string `dynamodbav:"id"`
	Email        string `dynamodbav:"email"`
	PasswordHash string `dynamodbav:"passwordHash"`
	FirstName    string `dynamodbav:"firstName"`
	LastName     string `dynamodbav:"lastName"`
	Language     string `dynamodbav:"language"`
	Timezone     string `dynamodbav:"timezone"`
	OrgName      string `dynamodbav:"orgName"`
	// CodeHash is HMAC-SHA256 of the code under the data key (codeMAC).
	CodeHash      string    `dynamodbav:"codeHash"`
	Attempts      int       `dynamodbav:"attempts"`
	CreatedAt     time.Time `dynamodbav:"createdAt"`
	CodeExpiresAt time.Time `dynamodbav:"codeExpiresAt"`
	// ExpiresAt is when the item goes (PendingTTL).
	ExpiresAt time.Time `dynamodbav:"expiresAt"`
}

// Ref names the pending sign-up's code.
func (p PendingSignUp) Ref() CodeRef { return CodeRef{Kind: KindSignUp, Key: p.Email, ID: p.ID} }

// PasswordReset is a pending password reset of one user.
type PasswordReset struct {
	ID        string    `dynamodbav:"id"`
	UserID    string    `dynamodbav:"userId"`
	CodeHash  string    `dynamodbav:"codeHash"`
	Attempts  int       `dynamodbav:"attempts"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
	ExpiresAt time.Time `dynamodbav:"expiresAt"`
}

// Ref names the reset's code.
func (r PasswordReset) Ref() CodeRef { return CodeRef{Kind: KindReset, Key: r.UserID, ID: r.ID} }

// codeMAC is HMAC-SHA256 under the server-side key (package keyedhash)
// over the kind, the request id and the code: a 6-digit code is never stored, its hash cannot
// be searched without the key, and a code of one request or kind does not
// match another's.
func (s *Service) codeMAC(ctx context.Context, ref CodeRef, code string) (string, error) {
	return keyedhash.Hasher{Keys: s.Keys}.Sum(ctx, "auth-"+ref.Kind+"-code", ref.ID, code)
}

// codeMatches compares a submitted code with the stored hash in constant
// time.
func (s *Service) codeMatches(ctx context.Context, ref CodeRef, code, stored string) (bool, error) {
	return keyedhash.Hasher{Keys: s.Keys}.Match(ctx, stored, "auth-"+ref.Kind+"-code", ref.ID, code)
}

// newCode returns 6 uniformly random decimal digits and a random request
// id (96 bits, hex).
func newCode() (code, id string, err error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", "", fmt.Errorf("auth: random code: %w", err)
	}
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("auth: random id: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), hex.EncodeToString(b[:]), nil
}

// checkCode counts an attempt at a pending code, then compares it. It
// returns nil when the code matches, or the error to answer: code_invalid
// (ErrCodeInvalid with the attempts remaining, or ErrNoPending),
// code_expired, or 429 too_many_attempts at the last wrong attempt (which
// voids the pending sign-up or reset).
func (s *Service) checkCode(ctx context.Context, ref CodeRef, stored string, expires time.Time, code string) error {
	if !s.Now().Before(expires) {
		if err := s.Store.DeleteCode(ctx, ref); err != nil {
			return account.Internal(err)
		}
		return &account.Error{Code: account.CodeCodeExpired, Detail: "The code has expired; ask for a new one.", Cause: ErrCodeExpired}
	}
	// Counted before the comparison: a guess that was not counted is
	// never checked, so parallel guesses get MaxAttempts checks at most.
	n, err := s.Store.CountCodeAttempt(ctx, ref, MaxAttempts)
	switch {
	case errors.Is(err, ErrNoPending):
		return noPending()
	case errors.Is(err, ErrTooManyAttempts):
		return tooManyAttempts()
	case err != nil:
		return account.Internal(err)
	}
	ok, err := s.codeMatches(ctx, ref, code, stored)
	if err != nil {
		return account.Internal(err)
	}
	if ok {
		return nil
	}
	if n >= MaxAttempts {
		if err := s.Store.DeleteCode(ctx, ref); err != nil {
			return account.Internal(err)
		}
		return tooManyAttempts()
	}
	return &account.Error{Code: account.CodeCodeInvalid, Detail: "The code is not correct.",
		Extra: map[string]any{"attemptsRemaining": MaxAttempts - n}, Cause: ErrCodeInvalid}
}

func noPending() error {
	return &account.Error{Code: account.CodeCodeInvalid, Detail: "The code is not correct, or was replaced by a newer one; ask for a new code.", Cause: ErrNoPending}
}

func tooManyAttempts() error {
	return &account.Error{Code: account.CodeTooManyAttempts, Detail: "Too many wrong codes; ask for a new code.", Cause: ErrTooManyAttempts}
}

// mail renders a message in lang and sends it to one address. A failure
// is answered 503 with a retry (nothing else was changed that a retry
// would not redo).
func (s *Service) mail(ctx context.Context, t notify.Template, lang, to string, data map[string]string) error {
	m, err := t.Render(lang, data)
	if err != nil {
		return account.Internal(err)
	}
	m.To = to
	if err := s.Mailer.SendEmail(ctx, m); err != nil {
		return &account.Error{Code: account.CodeUnavailable, Detail: "The email could not be sent; try again shortly.", RetryAfter: 5 * time.Second, Cause: err}
	}
	return nil
}
