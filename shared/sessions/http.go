package sessions

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/example/myprofile/shared/account"
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
	out, err := s.List(r.Context(), p)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"sessions": out})
	return nil
}

func (s *Service) deleteOne(w http.ResponseWriter, r *http.Request) error {
	p, _ := FromContext(r.Context())
	if err := s.Revoke(r.Context(), p.User, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
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
	if _, err := s.RevokeMany(r.Context(), p, body.Scope); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
