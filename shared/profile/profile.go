// Package profile is the signed-in user's profile: the validation of every
// editable field and the /v1/me routes. The API shape and the basic fields
// sign-up also takes are in package basic, which functions that only show
// profiles link without the parsers this package needs (phone numbers for
// meeting locations, the HTML sanitizer for signatures).
package profile

import (
	"context"

	"github.com/example/myprofile/shared/account"
)

// Store is the storage the profile routes need.
type Store interface {
	// GetUser reads a user (strongly consistent); account.ErrNotFound if absent.
	GetUser(ctx context.Context, userID string) (account.User, error)
	// SaveUser writes the user if the stored version is expectVersion;
	// account.ErrConflict if it changed meanwhile.
	SaveUser(ctx context.Context, u account.User, expectVersion int64) error
}
