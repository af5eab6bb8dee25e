package sessions

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/request"
)

type principalKey struct{}

// FromContext returns the principal the Require middleware authenticated.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// WithPrincipal returns a context carrying p (for tests and internal calls).
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// Require authenticates the bearer token on every request (no cache) and
// answers 401 `unauthenticated` when it is missing or not valid.
func (s *Service) Require(next http.Handler) http.Handler {
	return httpapi.Handle(func(w http.ResponseWriter, r *http.Request) error {
		token, ok := BearerToken(r)
		if !ok {
			return account.Errorf(account.CodeUnauthenticated, "Sign in and send the session token as a Bearer token.")
		}
		p, err := s.Authenticate(r.Context(), token)
		if errors.Is(err, ErrInvalid) {
			return account.Errorf(account.CodeUnauthenticated, "The session is not valid; sign in again.")
		}
		if err != nil {
			return account.Internal(err)
		}
		request.SetUserID(r.Context(), p.User.ID)
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		return nil
	})
}

// BearerToken extracts the token of an "Authorization: Bearer" header.
func BearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

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

// Issued is the API shape of a new session: the token is shown only here.
type Issued struct {
	ID        string    `json:"id"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Routes are the sessions function's routes.
func (s *Service) Routes() httpapi.Routes {
	return httpapi.Routes{
		"GET /v1/me/sessions":         s.Require(httpapi.Handle(s.list)),
		"DELETE /v1/me/sessions/{id}": s.Require(httpapi.Handle(s.deleteOne)),
		"POST /v1/me/sessions/revoke": s.Require(httpapi.Handle(s.revoke)),
	}
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) error {
	p, _ := FromContext(r.Context())
	all, err := s.Store.ListSessions(r.Context(), p.User.ID)
	if err != nil {
		return account.Internal(err)
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
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"sessions": out})
	return nil
}

func (s *Service) deleteOne(w http.ResponseWriter, r *http.Request) error {
	p, _ := FromContext(r.Context())
	id := r.PathValue("id")
	if len(id) != 32 {
		return account.Errorf(account.CodeNotFound, "No such session.")
	}
	err := s.Store.DeleteSession(r.Context(), p.User.ID, id)
	if errors.Is(err, account.ErrNotFound) {
		return account.Errorf(account.CodeNotFound, "No such session.")
	}
	if err != nil {
		return account.Internal(err)
	}
	if err := s.record(r, p.User.ID, audit.ActionSessionRevoked, map[string]string{"sessionId": id}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// record appends an audit entry about the caller's sessions (when an audit
// recorder is wired).
func (s *Service) record(r *http.Request, userID, action string, details map[string]string) error {
	if s.Audit == nil {
		return nil
	}
	if err := s.Audit.Record(r.Context(), audit.FromRequest(r, userID, userID, "", action, details)); err != nil {
		return account.Internal(err)
	}
	return nil
}

func (s *Service) revoke(w http.ResponseWriter, r *http.Request) error {
	p, _ := FromContext(r.Context())
	var body struct {
		Scope string `json:"scope"`
	}
	if err := httpapi.Decode(r, &body); err != nil {
		return err
	}
	keep := ""
	switch body.Scope {
	case "others":
		keep = p.Session.ID
	case "all":
	default:
		return account.Invalid("scope", `must be "others" or "all"`)
	}
	n, err := s.Store.DeleteSessions(r.Context(), p.User.ID, keep)
	if err != nil {
		return account.Internal(err)
	}
	if err := s.record(r, p.User.ID, audit.ActionSessionsRevoked, map[string]string{"scope": body.Scope, "count": strconv.Itoa(n)}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
