package sessions

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
)

// ErrNoSession: the user has no session with that id (never had, expired
// and removed, or another user's: the answer does not say which).
var ErrNoSession = account.Errorf(account.CodeNotFound, "No such session.")

// JSON is the API shape of a session in listings.
type JSON struct {
	ID         string    `json:"id"`
	Current    bool      `json:"current"`
	CreatedAt  time.Time `json:"createdAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	UserAgent  string    `json:"userAgent"`
	IPAddress  string    `json:"ipAddress"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// List returns p's user's live sessions, most recently used first, marking
// p's own as current. Expired sessions the TTL has not removed yet are left
// out.
func (s *Service) List(ctx context.Context, p Principal) ([]JSON, error) {
	all, err := s.Store.ListSessions(ctx, p.User.ID)
	if err != nil {
		return nil, account.Internal(err)
	}
	now := s.Now().UTC()
	out := make([]JSON, 0, len(all))
	for _, x := range all {
		exp := s.expiry(x, x.LastSeenAt)
		if !now.Before(exp) {
			continue // expired: not a live session, even if TTL has not removed it yet
		}
		out = append(out, JSON{ID: x.ID, Current: x.ID == p.Session.ID, CreatedAt: x.CreatedAt.UTC(),
			LastSeenAt: x.LastSeenAt.UTC(), UserAgent: x.UserAgent, IPAddress: x.IPAddress, ExpiresAt: exp.UTC()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LastSeenAt.After(out[j].LastSeenAt) })
	return out, nil
}

// Revoke signs out one of u's sessions and records it; ErrNoSession when u
// has none with that id.
func (s *Service) Revoke(ctx context.Context, u account.User, sessionID string) error {
	if len(sessionID) != 32 {
		return ErrNoSession
	}
	err := s.Store.DeleteSession(ctx, u.ID, sessionID)
	if errors.Is(err, account.ErrNotFound) {
		return ErrNoSession
	}
	if err != nil {
		return account.Internal(err)
	}
	return s.record(ctx, u.ID, audit.ActionSessionRevoked, map[string]string{"sessionId": sessionID})
}

// RevokeMany signs out p's user's sessions: every other one (scope
// "others") or all of them, p's own included ("all"). It records the
// revocation and returns how many sessions ended.
func (s *Service) RevokeMany(ctx context.Context, p Principal, scope string) (int, error) {
	keep := ""
	switch scope {
	case "others":
		keep = p.Session.ID
	case "all":
	default:
		return 0, account.Invalid("scope", `must be "others" or "all"`)
	}
	n, err := s.Store.DeleteSessions(ctx, p.User.ID, keep)
	if err != nil {
		return 0, account.Internal(err)
	}
	if err := s.record(ctx, p.User.ID, audit.ActionSessionsRevoked, map[string]string{"scope": scope, "count": strconv.Itoa(n)}); err != nil {
		return n, err
	}
	return n, nil
}

// record appends an audit entry about the caller's sessions (when an audit
// recorder is wired).
func (s *Service) record(ctx context.Context, userID, action string, details map[string]string) error {
	if s.Audit == nil {
		return nil
	}
	if err := s.Audit.Record(ctx, audit.FromContext(ctx, userID, userID, "", action, details)); err != nil {
		return account.Internal(err)
	}
	return nil
}
