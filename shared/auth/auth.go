package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/metrics"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/password"
	"github.com/example/myprofile/shared/password/strength"
	"github.com/example/myprofile/shared/ratelimit"
	"github.com/example/myprofile/shared/reauth"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/sessions"
)

// NewAccount is everything a confirmed sign-up writes in one transaction.
type NewAccount struct {
	User         account.User
	PasswordHash string
	Org          account.Organization
	Session      sessions.Session
	// Pending is the pending sign-up the account comes from: the write
	// deletes it, only if it is still that one (Pending.ID; empty for an
	// account made without one, e.g. in tests).
	Pending PendingSignUp
}

// Store is the storage sign-in needs.
type Store interface {
	// CreateAccount writes the account and deletes its pending sign-up
	// atomically; ErrNoPending if the pending sign-up is gone or replaced
	// (another confirmation won), account.ErrEmailTaken if the email is
	// held by another account.
	CreateAccount(ctx context.Context, a NewAccount) error
	// PutPendingSignUp stores p, replacing any pending sign-up of its email.
	PutPendingSignUp(ctx context.Context, p PendingSignUp) error
	// GetPendingSignUp reads the pending sign-up of an email (strongly
	// consistent); ErrNoPending if none. One past its expiry is returned:
	// the caller decides (TTL deletion is late).
	GetPendingSignUp(ctx context.Context, email string) (PendingSignUp, error)
	// PutPasswordReset stores r, replacing any pending reset of its user.
	PutPasswordReset(ctx context.Context, r PasswordReset) error
	// GetPasswordReset reads the user's pending reset (strongly
	// consistent); ErrNoPending if none.
	GetPasswordReset(ctx context.Context, userID string) (PasswordReset, error)
	// CountCodeAttempt adds one attempt to the pending code ref names, only
	// while it is still ref.ID and has fewer than max, and returns the new
	// count. ErrNoPending if it is gone or replaced, ErrTooManyAttempts if
	// it already has max.
	CountCodeAttempt(ctx context.Context, ref CodeRef, max int) (int, error)
	// DeleteCode deletes the pending code ref names if it is still ref.ID;
	// no error if it is not there.
	DeleteCode(ctx context.Context, ref CodeRef) error
	// ResetPassword sets the user's password hash and deletes the pending
	// reset r.ID in one transaction; ErrNoPending if the reset is gone or
	// replaced.
	ResetPassword(ctx context.Context, userID, hash string, ref CodeRef) error
	// LookupEmail returns the id of the user holding email; account.ErrNotFound if none.
	LookupEmail(ctx context.Context, email string) (string, error)
	// GetCredentials returns the user's password hash and record, read in
	// one strongly consistent request; account.ErrNotFound if either is
	// missing (no such user, or an SSO-managed one).
	GetCredentials(ctx context.Context, userID string) (string, account.User, error)
	// ReplacePasswordHash sets the user's hash to newHash only if it is
	// still oldHash; account.ErrConflict if it is not.
	ReplacePasswordHash(ctx context.Context, userID, oldHash, newHash string) error
	// GetUser reads a user; account.ErrNotFound if absent.
	GetUser(ctx context.Context, userID string) (account.User, error)
}

// Service signs users up, in and out; http.go serves its methods as the
// auth function's routes.
type Service struct {
	Store    Store
	Sessions *sessions.Service
	Hasher   *password.Hasher
	Policy   strength.Policy
	// Failures and FailuresPerIP are the budgets of failed sign-ins per
	// account and per client IP (the per-IP one larger: many people may
	// share one address).
	Failures      ratelimit.Fair
	FailuresPerIP ratelimit.Fair
	Signups       ratelimit.Limiter // sign-up requests per client IP
	SignupEnabled bool
	Now           func() time.Time
	Log           *slog.Logger
	// SecondFactor, when set, decides whether a sign-in needs a second step
	// and starts it (the twofactor capability provides it).
	SecondFactor SecondFactor
	// Metrics counts sign-ins and failed sign-ins (optional).
	Metrics metrics.Counter
	// Audit records sign-ups and password resets (nil: not recorded).
	Audit audit.Sink
	// Devices remembers where users signed in from; with Mailer and Prefs
	// it sends the new-device notice (nil: no notice).
	Devices DeviceStore
	Prefs   PrefsReader
	// SignupMails limits the sign-up mails per address (5 an hour).
	SignupMails ratelimit.Limiter
	// Resets limits password reset requests per client IP; ResetMails the
	// reset mails per address.
	Resets, ResetMails ratelimit.Limiter
	// Keys is the server-side key one-time codes are HMAC'd under (the 2FA
	// data key): a stored code hash is useless without it.
	Keys KeySource
	// Mailer sends the sign-up and reset codes and notices.
	Mailer notify.Mailer
	// AppName names the product in mails.
	AppName string
}

// SecondFactor is the hook for 2FA at sign-in.
type SecondFactor interface {
	// Begin is called after a correct password. It returns nil when the user
	// has no second factor, or the JSON body to answer instead of a session.
	Begin(ctx context.Context, u account.User, src request.Source) (any, error)
}

// Errors of the service. Each comes wrapped in the *account.Error to
// answer, so callers match them with errors.Is.
var (
	// ErrSignUpClosed: sign-up is disabled; accounts come by invitation.
	ErrSignUpClosed = errors.New("auth: sign-up closed")
	// ErrBadCredentials: the email is unknown or the password wrong (the
	// two are not told apart).
	ErrBadCredentials = errors.New("auth: bad credentials")
	// ErrRateLimited: too many sign-ups or failed sign-ins from this client
	// or for this account.
	ErrRateLimited = errors.New("auth: rate limited")
)

// SignUp is what a person gives to open an account. Language, Timezone
// and OrgName are optional.
type SignUp struct {
	Email     string
	Password  string
	FirstName string
	LastName  string
	Language  string
	Timezone  string
	OrgName   string
}

// SignUpOpen returns the forbidden error when sign-up is disabled. It is
// checked before anything else of a sign-up is read.
func (s *Service) SignUpOpen() error {
	if !s.SignupEnabled {
		return &account.Error{Code: account.CodeForbidden, Detail: "Sign-up is closed; ask an administrator for an invitation.", Cause: ErrSignUpClosed}
	}
	return nil
}

// SignedIn is the outcome of a right password: a session, or, for a user
// with a second factor, the answer that starts the second step instead.
type SignedIn struct {
	Session sessions.Issued
	// SecondStep, when not nil, is the body to answer instead of a session
	// (SecondFactor.Begin's).
	SecondStep any
}

// SignIn checks an email and password. An unknown email and a wrong
// password give the same error (ErrBadCredentials) after the same storage
// requests and one password hash, so neither answer nor timing tells
// whether an email is registered. Failures are limited per client IP and
// per account (see ratelimit.Fair): the attempt is taken from both
// budgets before the password is checked, a refused attempt takes nothing,
// a right password gives it back, and a right password waits for
// concurrent attempts instead of being refused because of them.
//
// DynamoDB round trips, one after another: both budgets at once; the
// email; the credential and user record in one BatchGetItem; then the
// budgets given back together with the session (or the second step's
// challenge) and the device record.
func (s *Service) SignIn(ctx context.Context, email, pw string) (SignedIn, error) {
	var v account.Validation
	if strings.TrimSpace(email) == "" {
		v.Add("email", "must not be empty")
	}
	if pw == "" {
		v.Add("password", "must not be empty")
	}
	if len(pw) > 4096 || len(email) > 320 {
		v.Add("password", "is too long")
	}
	if err := v.Err(); err != nil {
		return SignedIn{}, err
	}
	email = account.NormalizeEmail(email)
	src := request.Client(ctx)
	ipKey, acctKey := "login-ip#"+src.IP, "login-acct#"+email
	// The address is looked up while the budgets are taken: the lookup is
	// a read, discarded if a budget refuses, so the sign-in keeps to 4
	// round trips with the per-IP route limit in front of it.
	var (
		uid                     string
		ipErr, acctErr, lookErr error
	)
	together(
		func() { ipErr = s.FailuresPerIP.Acquire(ctx, ipKey) },
		func() { acctErr = s.Failures.Acquire(ctx, acctKey) },
		func() { uid, lookErr = s.Store.LookupEmail(ctx, email) },
	)
	if ipErr != nil || acctErr != nil {
		// Give back the budget that was taken: this attempt is not made.
		together(
			func() {
				if ipErr == nil {
					s.give(ctx, s.FailuresPerIP, ipKey)
				}
			},
			func() {
				if acctErr == nil {
					s.give(ctx, s.Failures, acctKey)
				}
			},
		)
		if ipErr != nil {
			return SignedIn{}, limited(ipErr)
		}
		return SignedIn{}, limited(acctErr)
	}
	u, rehash, err := s.verify(ctx, uid, lookErr, pw)
	if errors.Is(err, ErrBadCredentials) {
		together(
			func() { s.fail(ctx, s.FailuresPerIP, ipKey) },
			func() { s.fail(ctx, s.Failures, acctKey) },
		)
		s.Log.InfoContext(ctx, "login failed")
		metrics.Inc(ctx, s.Metrics, metrics.SignInFailures, map[string]string{"step": "password"})
		return SignedIn{}, &account.Error{Code: account.CodeInvalidCreds, Detail: "The email or password is not correct.", Cause: err}
	}
	if err != nil {
		together(
			func() { s.give(ctx, s.FailuresPerIP, ipKey) },
			func() { s.give(ctx, s.Failures, acctKey) },
		)
		return SignedIn{}, account.Internal(err)
	}
	request.SetUserID(ctx, u.ID)
	if u.SSOManaged {
		// The organization enforces single sign-on: the right password
		// no longer signs in; the client sends the user to the provider.
		together(
			func() { s.give(ctx, s.FailuresPerIP, ipKey) },
			func() { s.give(ctx, s.Failures, acctKey) },
		)
		return SignedIn{}, reauth.SSOManaged(u)
	}
	var out SignedIn
	together(
		func() { s.give(ctx, s.FailuresPerIP, ipKey) },
		func() { s.give(ctx, s.Failures, acctKey) },
		func() {
			if rehash != nil {
				rehash()
			}
		},
		func() {
			if s.SecondFactor != nil {
				var body any
				if body, err = s.SecondFactor.Begin(ctx, u, src); err != nil {
					err = account.AsError(err)
					return
				}
				if body != nil {
					out.SecondStep = body
					return
				}
			}
			out.Session, err = s.startSession(ctx, u.ID, &u)
		},
	)
	if err != nil {
		return SignedIn{}, err
	}
	return out, nil
}

// together runs fns at once and waits for them all: independent DynamoDB
// requests cost one round trip instead of one each.
func together(fns ...func()) {
	if len(fns) == 1 {
		fns[0]()
		return
	}
	var wg sync.WaitGroup
	for _, f := range fns {
		wg.Go(f)
	}
	wg.Wait()
}

// StartSession creates the session of a completed sign-in for the
// request's client, counts the sign-in and, from a device new to the user,
// mails the new-device notice.
func (s *Service) StartSession(ctx context.Context, userID string) (sessions.Issued, error) {
	return s.startSession(ctx, userID, nil)
}

// startSession is StartSession with the user record when the caller has
// it (nil: read only if the notice is to be sent).
func (s *Service) startSession(ctx context.Context, userID string, u *account.User) (sessions.Issued, error) {
	src := request.Client(ctx)
	now := s.Now().UTC()
	dev := DeviceOf(src)
	var (
		sess        sessions.Session
		token       string
		err, devErr error
		known       bool
	)
	together(
		func() { sess, token, err = s.Sessions.Create(ctx, userID, src.UserAgent, src.IP) },
		func() {
			if s.Devices != nil {
				known, devErr = s.Devices.SeeDevice(ctx, userID, dev, now)
			}
		},
	)
	if err != nil {
		return sessions.Issued{}, account.Internal(err)
	}
	s.Log.InfoContext(ctx, "signed in", "userId", userID)
	metrics.Inc(ctx, s.Metrics, metrics.SignIns, nil)
	switch {
	case devErr != nil:
		s.Log.ErrorContext(ctx, "record sign-in device", "userId", userID, "error", devErr.Error())
	case s.Devices != nil && !known:
		s.newDevice(ctx, userID, u, dev, sess.ID, now)
	}
	return sessions.Issued{ID: sess.ID, Token: token, ExpiresAt: sess.ExpiresAt}, nil
}

// SignOut ends one session of the user; a session already gone is not an
// error.
func (s *Service) SignOut(ctx context.Context, userID, sessionID string) error {
	err := s.Sessions.Store.DeleteSession(ctx, userID, sessionID)
	if err != nil && !errors.Is(err, account.ErrNotFound) {
		return account.Internal(err)
	}
	return nil
}

// noUserID is the id whose credential is read for an unknown email: user
// ids are UUIDs, so no user has it.
const noUserID = "no-such-user"

// verify checks the password of the user the address lookup found (uid,
// or lookErr from LookupEmail) and returns the user, and, when the
// stored hash has weaker parameters than today's, a function that
// replaces it (best effort). Unknown emails and SSO-managed accounts still
// cost one BatchGetItem and one hash, so timing does not tell them apart.
func (s *Service) verify(ctx context.Context, uid string, lookErr error, pw string) (account.User, func(), error) {
	err := lookErr
	if errors.Is(err, account.ErrNotFound) {
		// The same DynamoDB calls as for a wrong password: the read of a
		// credential (of a user that cannot exist) and one hash.
		if _, _, err := s.Store.GetCredentials(ctx, noUserID); err != nil && !errors.Is(err, account.ErrNotFound) {
			return account.User{}, nil, err
		}
		s.Hasher.VerifyDummy(pw)
		return account.User{}, nil, ErrBadCredentials
	}
	if err != nil {
		return account.User{}, nil, err
	}
	hash, u, err := s.Store.GetCredentials(ctx, uid)
	if errors.Is(err, account.ErrNotFound) {
		s.Hasher.VerifyDummy(pw)
		return account.User{}, nil, ErrBadCredentials
	}
	if err != nil {
		return account.User{}, nil, err
	}
	if err := s.Hasher.Verify(pw, hash); err != nil {
		if errors.Is(err, password.ErrMismatch) {
			return account.User{}, nil, ErrBadCredentials
		}
		return account.User{}, nil, fmt.Errorf("verify password: %w", err)
	}
	var rehash func()
	if s.Hasher.NeedsRehash(hash) {
		rehash = func() {
			if nh, err := s.Hasher.Hash(pw); err == nil {
				// Best effort, and only over the hash read: a password
				// changed meanwhile is not reverted (a lost race is ignored).
				_ = s.Store.ReplacePasswordHash(ctx, uid, hash, nh)
			}
		}
	}
	return u, rehash, nil
}

// give gives back an attempt taken for a sign-in that was not a wrong
// password; fail records a wrong one. A storage failure only leaves the
// attempt counted (give) or not counted as a failure (fail): it is logged.
func (s *Service) give(ctx context.Context, f ratelimit.Fair, key string) {
	if err := f.Release(ctx, key); err != nil {
		s.Log.ErrorContext(ctx, "release sign-in attempt", "error", err.Error())
	}
}

func (s *Service) fail(ctx context.Context, f ratelimit.Fair, key string) {
	if err := f.Fail(ctx, key); err != nil {
		s.Log.ErrorContext(ctx, "record failed sign-in", "error", err.Error())
	}
}

// limited turns a limiter result into 429 rate_limited (ErrRateLimited),
// or a 500.
func limited(err error) error {
	if err == nil {
		return nil
	}
	var l *ratelimit.Limited
	if errors.As(err, &l) {
		return &account.Error{Code: account.CodeRateLimited, Detail: "Too many attempts; try again later.", RetryAfter: l.RetryAfter,
			Cause: fmt.Errorf("%w: %w", ErrRateLimited, err)}
	}
	return account.Internal(err)
}
