package profile

import (
	"context"
	"errors"
	"testing"

	"github.com/example/myprofile/shared/account"
)

// An AfterSave hook that fails is tried again, up to hookAttempts times.
func TestRunHookTriesAgain(t *testing.T) {
	for _, tc := range []struct {
		name      string
		failures  int
		wantCalls int
		wantErr   bool
	}{
		{"succeeds at once", 0, 1, false},
		{"succeeds on the last try", hookAttempts - 1, hookAttempts, false},
		{"keeps failing", 100, hookAttempts, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			hook := func(context.Context, account.User, account.User) error {
				calls++
				if calls <= tc.failures {
					return errors.New("index write failed")
				}
				return nil
			}
			err := runHook(t.Context(), hook, account.User{}, account.User{})
			if (err != nil) != tc.wantErr || calls != tc.wantCalls {
				t.Errorf("err %v after %d calls; want error %v after %d", err, calls, tc.wantErr, tc.wantCalls)
			}
		})
	}
}
