// Package auth is sign-up, sign-in and sign-out (function `auth`).
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/metrics"
	"github.com/example/myprofile/shared/password"
	"github.com/example/myprofile/shared/profile/basic"
	"github.com/example/myprofile/shared/ratelimit"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/sessions"
)

// NewAccount is everything sign-up writes in one transaction.
type NewAccount struct {
	User         account.User
	PasswordHash string
	Org          account.Organization
	Session      sessions.Session
}

// Store is the storage sign-in needs.
type Store interface {
	// CreateAccount writes the account atomically; account.ErrEmailTaken if
	// the email is held by another account.
	CreateAccount(ctx context.Context, a NewAccount) error
	// LookupEmail returns the id of the user holding email; account.ErrNotFound if none.
	LookupEmail(ctx context.Context, email string) (string, error)
	// GetPasswordHash returns the user's hash; account.ErrNotFound if none.
	GetPasswordHash(ctx context.Context, userID string) (string, error)
	// ReplacePasswordHash sets the user's hash to newHash only if it is
	// still oldHash; account.ErrConflict if it is not.
	ReplacePasswordHash(ctx context.Context, userID, oldHash, newHash string) error
	// GetUser reads a user; account.ErrNotFound if absent.
	GetUser(ctx context.Context, userID string) (account.User, error)
}

// Service serves the auth routes.
type Service struct {
	Store         Store
	Sessions      *sessions.Service
	Hasher        *password.Hasher
	Policy        password.Policy
	Failures      ratelimit.Limiter // failed sign-ins, per account and per client IP
	Signups       ratelimit.Limiter // sign-ups per client IP
	SignupEnabled bool
	Now           func() time.Time
	Log           *slog.Logger
	// SecondFactor, when set, decides whether a sign-in needs a second step
	// and starts it (the twofactor capability provides it).
	SecondFactor SecondFactor
	// Metrics counts sign-ins and failed sign-ins (optional).
	Metrics metrics.Counter
	// ExtraRoutes are further routes of the auth function (the second step).
	ExtraRoutes httpapi.Routes
	// Audit records sign-ups (nil: not recorded).
	Audit audit.Sink
}

// SecondFactor is the hook for 2FA at sign-in.
type SecondFactor interface {
	// Begin is called after a correct password. It returns nil when the user
	// has no second factor, or the JSON body to answer instead of a session.
	Begin(ctx context.Context, u account.User, src request.Source) (any, error)
}

// Routes are the auth function's routes.
func (s *Service) Routes() httpapi.Routes {
	rs := httpapi.Routes{
		"POST /v1/auth/signup": httpapi.Handle(s.signup),
		"POST /v1/auth/login":  httpapi.Handle(s.login),
		"POST /v1/auth/logout": s.Sessions.Require(httpapi.Handle(s.logout)),
	}
	for k, v := range s.ExtraRoutes {
		rs[k] = v
	}
	return rs
}

type signupRequest struct {
	Email     string `json:"email"`
	Password  string `json:"password"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Language  string `json:"language"`
	Timezone  string `json:"timezone"`
	OrgName   string `json:"orgName"`
}

func (s *Service) signup(w http.ResponseWriter, r *http.Request) error {
	if !s.SignupEnabled {
		return account.Errorf(account.CodeForbidden, "Sign-up is closed; ask an administrator for an invitation.")
	}
	var req signupRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	src := request.Client(r.Context())
	if err := limited(s.Signups.Hit(r.Context(), "signup-ip#"+src.IP)); err != nil {
		return err
	}
	var v account.Validation
	email := v.Check("email", req.Email, account.CleanEmail)
	for _, p := range s.Policy.Check(req.Password, email) {
		v.Add("password", p)
	}
	first := v.Check("firstName", req.FirstName, basic.CleanName)
	last := v.Check("lastName", req.LastName, basic.CleanName)
	lang, tz := "en", "UTC"
	if req.Language != "" {
		lang = v.Check("language", req.Language, basic.CleanLanguage)
	}
	if req.Timezone != "" {
		tz = v.Check("timezone", req.Timezone, basic.CleanTimezone)
	}
	orgName := first + "'s organization"
	if strings.TrimSpace(req.OrgName) != "" {
		orgName = v.Check("orgName", req.OrgName, basic.CleanName)
	}
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := s.Hasher.Hash(req.Password)
	if err != nil {
		return account.Internal(err)
	}
	now := s.Now().UTC()
	orgID := uuid.NewString()
	u := account.User{
		ID: uuid.NewString(), Email: email, FirstName: first, LastName: last,
		Language: lang, Timezone: tz, CreatedAt: now, UpdatedAt: now, Version: 1,
		Orgs: map[string]account.Membership{orgID: {Role: account.RoleOwner, JoinedAt: now}},
	}
	u.Defaults()
	sess, token, err := s.Sessions.New(u.ID, src.UserAgent, src.IP)
	if err != nil {
		return account.Internal(err)
	}
	err = s.Store.CreateAccount(r.Context(), NewAccount{
		User: u, PasswordHash: hash, Session: sess,
		Org: account.Organization{ID: orgID, Name: orgName, CreatedAt: now},
	})
	if errors.Is(err, account.ErrEmailTaken) {
		return &account.Error{Code: account.CodeEmailTaken, Detail: "An account with this email already exists.",
			Fields: []account.FieldError{{Field: "email", Message: "is already in use"}}}
	}
	if err != nil {
		return account.Internal(err)
	}
	request.SetUserID(r.Context(), u.ID)
	if s.Audit != nil {
		if err := s.Audit.Record(r.Context(), audit.FromRequest(r, u.ID, u.ID, orgID, audit.ActionSignedUp, nil)); err != nil {
			// The account exists: answering 500 would make the client retry
			// into email_taken. Log and go on.
			s.Log.ErrorContext(r.Context(), "audit signup", "error", err.Error())
		}
	}
	s.Log.InfoContext(r.Context(), "signup", "userId", u.ID, "orgId", orgID)
	httpapi.WriteJSON(w, http.StatusCreated, map[string]any{
		"user":    basic.View(u, orgID),
		"session": sessions.Issued{ID: sess.ID, Token: token, ExpiresAt: sess.ExpiresAt},
	})
	return nil
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (s *Service) login(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	var v account.Validation
	if strings.TrimSpace(req.Email) == "" {
		v.Add("email", "must not be empty")
	}
	if req.Password == "" {
		v.Add("password", "must not be empty")
	}
	if len(req.Password) > 4096 || len(req.Email) > 320 {
		v.Add("password", "is too long")
	}
	if err := v.Err(); err != nil {
		return err
	}
	email := account.NormalizeEmail(req.Email)
	src := request.Client(r.Context())
	ipKey, acctKey := "login-ip#"+src.IP, "login-acct#"+email
	// The attempt is counted before the password is checked (atomically),
	// so parallel guesses cannot all get a real check; a correct password
	// gives it back, so only failures accumulate.
	if err := limited(s.Failures.Take(r.Context(), ipKey)); err != nil {
		return err
	}
	if err := limited(s.Failures.Take(r.Context(), acctKey)); err != nil {
		s.release(r.Context(), ipKey) // not attempted
		return err
	}
	u, err := s.verify(r.Context(), email, req.Password)
	if !errors.Is(err, errBadCredentials) {
		s.release(r.Context(), ipKey, acctKey)
	}
	if errors.Is(err, errBadCredentials) {
		s.Log.InfoContext(r.Context(), "login failed")
		metrics.Inc(r.Context(), s.Metrics, metrics.SignInFailures, map[string]string{"step": "password"})
		return account.Errorf(account.CodeInvalidCreds, "The email or password is not correct.")
	}
	if err != nil {
		return account.Internal(err)
	}
	request.SetUserID(r.Context(), u.ID)
	if s.SecondFactor != nil {
		body, err := s.SecondFactor.Begin(r.Context(), u, src)
		if err != nil {
			return account.AsError(err)
		}
		if body != nil {
			httpapi.WriteJSON(w, http.StatusOK, body)
			return nil
		}
	}
	return s.IssueSession(w, r, u.ID)
}

// IssueSession creates a session for the user and answers 200 {session}.
func (s *Service) IssueSession(w http.ResponseWriter, r *http.Request, userID string) error {
	src := request.Client(r.Context())
	sess, token, err := s.Sessions.Create(r.Context(), userID, src.UserAgent, src.IP)
	if err != nil {
		return account.Internal(err)
	}
	s.Log.InfoContext(r.Context(), "signed in", "userId", userID)
	metrics.Inc(r.Context(), s.Metrics, metrics.SignIns, nil)
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{
		"session": sessions.Issued{ID: sess.ID, Token: token, ExpiresAt: sess.ExpiresAt},
	})
	return nil
}

var errBadCredentials = errors.New("bad credentials")

// noUserID is the id whose hash is read for an unknown email: user ids are
// UUIDs, so no user has it.
const noUserID = "no-such-user"

// verify checks email and password. Unknown emails and SSO-managed accounts
// still cost one hash, so timing does not tell them apart.
func (s *Service) verify(ctx context.Context, email, pw string) (account.User, error) {
	uid, err := s.Store.LookupEmail(ctx, email)
	if errors.Is(err, account.ErrNotFound) {
		// The same DynamoDB calls as for a wrong password: the read of a
		// hash (of a user that cannot exist) and one hash.
		if _, err := s.Store.GetPasswordHash(ctx, noUserID); err != nil && !errors.Is(err, account.ErrNotFound) {
			return account.User{}, err
		}
		s.Hasher.VerifyDummy(pw)
		return account.User{}, errBadCredentials
	}
	if err != nil {
		return account.User{}, err
	}
	hash, err := s.Store.GetPasswordHash(ctx, uid)
	if errors.Is(err, account.ErrNotFound) {
		s.Hasher.VerifyDummy(pw)
		return account.User{}, errBadCredentials
	}
	if err != nil {
		return account.User{}, err
	}
	if err := s.Hasher.Verify(pw, hash); err != nil {
		if errors.Is(err, password.ErrMismatch) {
			return account.User{}, errBadCredentials
		}
		return account.User{}, fmt.Errorf("verify password: %w", err)
	}
	if s.Hasher.NeedsRehash(hash) {
		if nh, err := s.Hasher.Hash(pw); err == nil {
			// Best effort, and only over the hash read: a password changed
			// meanwhile is not reverted (a lost race is ignored).
			_ = s.Store.ReplacePasswordHash(ctx, uid, hash, nh)
		}
	}
	u, err := s.Store.GetUser(ctx, uid)
	if errors.Is(err, account.ErrNotFound) {
		return account.User{}, errBadCredentials
	}
	return u, err
}

func (s *Service) logout(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	err := s.Sessions.Store.DeleteSession(r.Context(), p.User.ID, p.Session.ID)
	if err != nil && !errors.Is(err, account.ErrNotFound) {
		return account.Internal(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// release gives back attempts taken for a sign-in that was not a wrong
// password. A failure only leaves the attempt counted: it is logged.
func (s *Service) release(ctx context.Context, keys ...string) {
	for _, k := range keys {
		if err := s.Failures.Release(ctx, k); err != nil {
			s.Log.ErrorContext(ctx, "release sign-in attempt", "error", err.Error())
		}
	}
}

// limited turns a limiter result into the API's 429 (or a 500).
func limited(err error) error {
	if err == nil {
		return nil
	}
	var l *ratelimit.Limited
	if errors.As(err, &l) {
		return &account.Error{Code: account.CodeRateLimited, Detail: "Too many attempts; try again later.", RetryAfter: l.RetryAfter}
	}
	return account.Internal(err)
}
