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
