package sessions

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
)

// Session is one signed-in device.
type Session struct {
	ID         string
	UserID     string
	TokenHash  string
	UserAgent  string
	IPAddress  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	// AbsoluteExpiry is CreatedAt plus the absolute lifetime; the session
	// also ends after the idle lifetime without use.
	AbsoluteExpiry time.Time
	// ExpiresAt is the effective expiry: the earlier of the idle and the
	// absolute limit. It is stored as the item's TTL.
	ExpiresAt time.Time
}

// Store is the storage sessions need.
type Store interface {
	// PutSession stores a new session.
	PutSession(ctx context.Context, s Session) error
	// GetSessionWithUser reads the session and its user in one strongly
	// consistent round trip. Returns account.ErrNotFound if either is missing.
	GetSessionWithUser(ctx context.Context, userID, sessionID string) (Session, account.User, error)
	// TouchSession sets LastSeenAt and ExpiresAt if the stored LastSeenAt is
	// before notAfter (so concurrent requests write once). A session that no
	// longer exists or was touched already is not an error.
	TouchSession(ctx context.Context, userID, sessionID string, lastSeen, expiresAt, notAfter time.Time) error
	// ListSessions returns the user's sessions (any order).
	ListSessions(ctx context.Context, userID string) ([]Session, error)
	// DeleteSession removes one session; account.ErrNotFound if it does not exist.
	DeleteSession(ctx context.Context, userID, sessionID string) error
	// DeleteSessions removes all the user's sessions except keepID ("" for
	// none) and returns how many it removed.
	DeleteSessions(ctx context.Context, userID, keepID string) (int, error)
}

// ErrInvalid is returned for a missing, malformed, unknown, expired or
// revoked token. Callers answer 401 without saying which.
var ErrInvalid = errors.New("session: invalid token")

// Service manages sessions.
type Service struct {
	Store       Store
	Now         func() time.Time
	IdleTTL     time.Duration
	AbsoluteTTL time.Duration
	// TouchEvery limits lastSeenAt writes (default one minute).
	TouchEvery time.Duration
	// Audit records revocations (nil: not recorded).
	Audit audit.Sink
}

// Principal is who a request acts for.
type Principal struct {
	User    account.User
	Session Session
}

// New makes a session and its token for a user. It does not store it: the
// caller puts it (alone with Put, or inside a larger transaction).
func (s *Service) New(userID, userAgent, ip string) (Session, string, error) {
	now := s.Now().UTC()
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return Session{}, "", fmt.Errorf("session secret: %w", err)
	}
	var idb [16]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return Session{}, "", fmt.Errorf("session id: %w", err)
	}
	id := hex.EncodeToString(idb[:])
	enc := base64.RawURLEncoding.EncodeToString(secret[:])
	sess := Session{
		ID:             id,
		UserID:         userID,
		TokenHash:      hashSecret(enc),
		UserAgent:      truncate(userAgent, 512),
		IPAddress:      truncate(ip, 64),
		CreatedAt:      now,
		LastSeenAt:     now,
		AbsoluteExpiry: now.Add(s.AbsoluteTTL),
	}
	sess.ExpiresAt = s.expiry(sess, now)
	return sess, userID + "." + id + "." + enc, nil
}

// Create makes and stores a new session.
func (s *Service) Create(ctx context.Context, userID, userAgent, ip string) (Session, string, error) {
	sess, tok, err := s.New(userID, userAgent, ip)
	if err != nil {
		return Session{}, "", err
	}
	if err := s.Store.PutSession(ctx, sess); err != nil {
		return Session{}, "", fmt.Errorf("store session: %w", err)
	}
	return sess, tok, nil
}

func (s *Service) expiry(sess Session, lastSeen time.Time) time.Time {
	idle := lastSeen.Add(s.IdleTTL)
	if idle.Before(sess.AbsoluteExpiry) {
		return idle
	}
	return sess.AbsoluteExpiry
}

// Authenticate validates a token with one strongly consistent read and
// returns the principal. Expired and revoked sessions fail with ErrInvalid.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	userID, sessionID, secret, ok := ParseToken(token)
	if !ok {
		return Principal{}, ErrInvalid
	}
	sess, user, err := s.Store.GetSessionWithUser(ctx, userID, sessionID)
	if errors.Is(err, account.ErrNotFound) {
		return Principal{}, ErrInvalid
	}
	if err != nil {
		return Principal{}, fmt.Errorf("read session: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(sess.TokenHash)) != 1 {
		return Principal{}, ErrInvalid
	}
	now := s.Now().UTC()
	if !now.Before(s.expiry(sess, sess.LastSeenAt)) {
		return Principal{}, ErrInvalid
	}
	every := s.TouchEvery
	if every == 0 {
		every = time.Minute
	}
	if now.Sub(sess.LastSeenAt) >= every {
		exp := s.expiry(sess, now)
		if err := s.Store.TouchSession(ctx, userID, sessionID, now, exp, now.Add(-every)); err != nil {
			return Principal{}, fmt.Errorf("touch session: %w", err)
		}
		sess.LastSeenAt, sess.ExpiresAt = now, exp
	}
	return Principal{User: user, Session: sess}, nil
}

// ParseToken splits a token into its parts; ok is false if it is malformed.
func ParseToken(token string) (userID, sessionID, secret string, ok bool) {
	if len(token) > 256 {
		return "", "", "", false
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || len(parts[1]) != 32 || len(parts[2]) != 43 {
		return "", "", "", false
	}
	if _, err := hex.DecodeString(parts[1]); err != nil {
		return "", "", "", false
	}
	if _, err := base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return "", "", "", false
	}
	for _, r := range parts[0] {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z') {
			return "", "", "", false
		}
	}
	return parts[0], parts[1], parts[2], true
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}
