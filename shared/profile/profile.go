package profile

import (
	"context"
	"errors"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/events"
	"github.com/example/myprofile/shared/profile/basic"
	"github.com/example/myprofile/shared/retry"
	"github.com/example/myprofile/shared/sessions"
)

// Store is the storage the profile routes need.
type Store interface {
	// GetUser reads a user (strongly consistent); account.ErrNotFound if absent.
	GetUser(ctx context.Context, userID string) (account.User, error)
	// SaveUser writes the user if the stored version is expectVersion;
	// account.ErrConflict if it changed meanwhile.
	SaveUser(ctx context.Context, u account.User, expectVersion int64) error
}

// Errors of Patch, matched with errors.Is.
var (
	// ErrStale: the If-Match version is not the stored one.
	ErrStale = account.Errorf(account.CodePrecondition, "The profile changed since you read it; read it again and retry.")
	// ErrBusy: concurrent writes won every retry.
	ErrBusy = account.Errorf(account.CodeConflict, "The profile is being changed by another request; retry.")
)

// Service serves the profile routes.
type Service struct {
	Store    Store
	Sessions *sessions.Service
	Now      func() time.Time
	// AfterSave hooks run after a profile change was stored (e.g. the daily
	// summary's due index, billing alert re-evaluation). They must be
	// idempotent; an error is logged by the caller's middleware as a 500
	// but the change itself stays stored.
	AfterSave []func(ctx context.Context, before, after account.User) error
	// CheckCalendar, when set, checks a patched calendar choice against
	// the user's connected calendars (shared/connections): an error (a
	// validation error naming the field) refuses the patch. Nil: not
	// checked.
	CheckCalendar func(ctx context.Context, before, after account.User) error
	// Complete hooks run on a checked patch before it is stored and may
	// fill values the server knows (e.g. the Zoom meeting link of a
	// connected Zoom account, shared/connections); an error refuses the
	// patch.
	Complete []func(ctx context.Context, before account.User, after *account.User) error
	// Events publishes Profile Updated (the changed field names, never
	// their values) after each saved change (nil: none).
	Events *events.Emitter
}

// maxPatchRetries bounds the re-reads of a PATCH without If-Match that lost
// a race: the patch is applied again on the fresh record.
const maxPatchRetries = 8

// Patch applies a JSON merge patch (RFC 7396) to u's profile and stores it,
// returning the stored user. ifMatch is the entity tag the caller read (""
// or "*": any); ErrStale when the profile is at another version. Without
// one, a patch that lost a race is applied again on the fresh record, up to
// maxPatchRetries times, then ErrBusy. Invalid members are one validation
// error naming them all. The AfterSave hooks run once the change is stored.
func (s *Service) Patch(ctx context.Context, u account.User, patch []byte, ifMatch string) (account.User, error) {
	for attempt := 0; ; attempt++ {
		if ifMatch != "" && ifMatch != "*" && ifMatch != basic.ETag(u) {
			return account.User{}, ErrStale
		}
		next, err := ApplyPatch(u, patch)
		if err != nil {
			return account.User{}, err
		}
		if s.CheckCalendar != nil {
			if err := s.CheckCalendar(ctx, u, next); err != nil {
				return account.User{}, err
			}
		}
		for _, complete := range s.Complete {
			if err := complete(ctx, u, &next); err != nil {
				return account.User{}, err
			}
		}
		next.Version = u.Version + 1
		next.UpdatedAt = s.Now().UTC()
		err = s.Store.SaveUser(ctx, next, u.Version)
		switch {
		case err == nil:
			PublishUpdated(ctx, s.Events, u, next, patch)
			for _, hook := range s.AfterSave {
				if err := runHook(ctx, hook, u, next); err != nil {
					return account.User{}, account.Internal(err)
				}
			}
			return next, nil
		case errors.Is(err, account.ErrConflict) && attempt < maxPatchRetries:
			_ = retry.Backoff(ctx, attempt) // a cancelled request ends at the next read
			if u, err = s.Store.GetUser(ctx, u.ID); err != nil {
				return account.User{}, account.Internal(err)
			}
		case errors.Is(err, account.ErrConflict):
			return account.User{}, ErrBusy
		default:
			return account.User{}, account.Internal(err)
		}
	}
}

// hookAttempts is how many times an AfterSave hook is tried: the change is
// stored already, and a hook that gave up leaves its work to a later save.
const hookAttempts = 3

// runHook runs an idempotent AfterSave hook, trying again after a failure.
func runHook(ctx context.Context, hook func(context.Context, account.User, account.User) error, before, after account.User) error {
	var err error
	for attempt := range hookAttempts {
		if err = hook(ctx, before, after); err == nil {
			return nil
		}
		if attempt < hookAttempts-1 {
			if werr := retry.Backoff(ctx, attempt); werr != nil {
				return errors.Join(err, werr)
			}
		}
	}
	return err
}

// PublishUpdated publishes Profile Updated for a saved change from before
// to after by patch: {userId, fields}, the names of the patch's members it
// changed (never their values); nothing for a patch that changed none. The save
// is a single conditional write, so the event goes to the outbox right
// after it (docs/events.md).
func PublishUpdated(ctx context.Context, em *events.Emitter, before, after account.User, patch []byte) {
	fields := basic.ChangedFields(before, after, patch)
	if em == nil || len(fields) == 0 {
		return
	}
	em.Emit(ctx, em.New(ctx, events.ProfileUpdated, map[string]any{"userId": after.ID, "fields": fields}))
}
