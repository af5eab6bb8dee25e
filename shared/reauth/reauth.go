package reauth

import (
	"context"
	"errors"
	"fmt"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/password"
	"github.com/example/myprofile/shared/ratelimit"
)

// Store reads password hashes.
type Store interface {
	// GetPasswordHash returns the user's hash; account.ErrNotFound if none.
	GetPasswordHash(ctx context.Context, userID string) (string, error)
}

// Checker verifies the current password.
type Checker struct {
	Store    Store
	Hasher   *password.Hasher
	Failures ratelimit.Limiter
}

// SSOManaged is the 409 for users whose credentials live at their identity
// provider.
func SSOManaged(u account.User) error {
	e := account.Errorf(account.CodeSSOManaged, "Your sign-in is managed by your organization's identity provider; change it there.")
	e.Extra = map[string]any{"idpUrl": u.IdPURL}
	return e
}

// Check returns nil when pw is the user's current password. Otherwise it
// returns the API error to answer: 409 sso_managed, 429 rate_limited after
// too many failures, 400 when pw is empty, 401 invalid_credentials.
// field names the request member holding the password, for 400s.
func (c Checker) Check(ctx context.Context, u account.User, pw, field string) error {
	_, err := c.CheckedHash(ctx, u, pw, field)
	return err
}

// CheckedHash is Check that also returns the stored hash pw matched, so a
// password change can replace exactly that hash (a concurrent change is
// then noticed, not overwritten).
func (c Checker) CheckedHash(ctx context.Context, u account.User, pw, field string) (string, error) {
	if u.SSOManaged {
		return "", SSOManaged(u)
	}
	if pw == "" {
		return "", account.Invalid(field, "must not be empty")
	}
	key := "reauth#" + u.ID
	// Counted before the check (atomically), given back unless wrong.
	if err := asAPI(c.Failures.Take(ctx, key)); err != nil {
		return "", err
	}
	hash, wrong, err := c.verify(ctx, u, pw)
	if !wrong {
		if rerr := c.Failures.Release(ctx, key); rerr != nil && err == nil {
			err = rerr
		}
	}
	if err != nil {
		return "", account.Internal(fmt.Errorf("reauth: %w", err))
	}
	if wrong {
		return "", account.Errorf(account.CodeInvalidCreds, "The password is not correct.")
	}
	return hash, nil
}

// verify reports whether pw is wrong, and the hash it was checked against.
func (c Checker) verify(ctx context.Context, u account.User, pw string) (hash string, wrong bool, err error) {
	hash, err = c.Store.GetPasswordHash(ctx, u.ID)
	if errors.Is(err, account.ErrNotFound) {
		c.Hasher.VerifyDummy(pw)
		return "", true, nil
	}
	if err != nil {
		return "", false, err
	}
	err = c.Hasher.Verify(pw, hash)
	if errors.Is(err, password.ErrMismatch) {
		return "", true, nil
	}
	return hash, false, err
}

func asAPI(err error) error {
	if err == nil {
		return nil
	}
	var l *ratelimit.Limited
	if errors.As(err, &l) {
		return &account.Error{Code: account.CodeRateLimited, Detail: "Too many wrong passwords; try again later.", RetryAfter: l.RetryAfter}
	}
	return account.Internal(err)
}
