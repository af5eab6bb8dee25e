package profile

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/phone"
	"github.com/example/myprofile/shared/profile/basic"
	"github.com/example/myprofile/shared/retry"
	"github.com/example/myprofile/shared/sessions"
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
}

// Routes are the profile function's routes.
func (s *Service) Routes() httpapi.Routes {
	auth := s.Sessions.Require
	return httpapi.Routes{
		"GET /v1/me":   auth(httpapi.Handle(s.get)),
		"PATCH /v1/me": auth(httpapi.Handle(s.patch)),

		"POST /v1/me/signature/render": auth(httpapi.Handle(s.renderSignature)),
	}
}

func (s *Service) get(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm == basic.ETag(p.User) {
		w.Header().Set("ETag", basic.ETag(p.User))
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	u := p.User
	phone.FillFormats(&u) // an older record: shown now, stored at its next save
	return basic.Write(w, r, http.StatusOK, u)
}

// maxPatchRetries bounds the re-reads of a PATCH without If-Match that lost
// a race: the patch is applied again on the fresh record.
const maxPatchRetries = 8

func (s *Service) patch(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	body, err := httpapi.ReadBody(r)
	if err != nil {
		return err
	}
	ifMatch := strings.TrimSpace(r.Header.Get("If-Match"))
	u := p.User
	for attempt := 0; ; attempt++ {
		if ifMatch != "" && ifMatch != "*" && ifMatch != basic.ETag(u) {
			return account.Errorf(account.CodePrecondition, "The profile changed since you read it; read it again and retry.")
		}
		next, err := ApplyPatch(u, body)
		if err != nil {
			return err
		}
		phone.FillFormats(&next)
		next.Version = u.Version + 1
		next.UpdatedAt = s.Now().UTC()
		err = s.Store.SaveUser(r.Context(), next, u.Version)
		switch {
		case err == nil:
			for _, hook := range s.AfterSave {
				if err := runHook(r.Context(), hook, u, next); err != nil {
					return account.Internal(err)
				}
			}
			return basic.Write(w, r, http.StatusOK, next)
		case errors.Is(err, account.ErrConflict) && attempt < maxPatchRetries:
			_ = retry.Backoff(r.Context(), attempt) // a cancelled request ends at the next read
			if u, err = s.Store.GetUser(r.Context(), u.ID); err != nil {
				return account.Internal(err)
			}
		case errors.Is(err, account.ErrConflict):
			return account.Errorf(account.CodeConflict, "The profile is being changed by another request; retry.")
		default:
			return account.Internal(err)
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
