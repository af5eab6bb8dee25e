package auth

import (
	"context"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/prefs"
)

// DeviceStore remembers the devices each user signed in from.
type DeviceStore interface {
	// SeeDevice records a sign-in of the user from d at now, remembered
	// until now+DeviceMemory, and reports whether d was remembered already
	// (a record not expired at now).
	SeeDevice(ctx context.Context, userID string, d Device, now time.Time) (bool, error)
	// FirstDevice marks that the user has signed in from some device and
	// reports whether this is the first time (no mark before): the first
	// sign-in of an account mails no notice.
	FirstDevice(ctx context.Context, userID string, now time.Time) (bool, error)
}

// PrefsReader reads notification preferences (defaults when never saved).
type PrefsReader interface {
	GetNotificationPrefs(ctx context.Context, userID string) (prefs.Preferences, error)
}

// newDevice mails the new-device notice for a sign-in from dev, unless it
// is the account's first sign-in or the user turned account email off.
// The sign-in has succeeded: every failure here is logged, not answered.
func (s *Service) newDevice(ctx context.Context, userID string, u *account.User, dev Device, sessionID string, now time.Time) {
	var (
		first             bool
		p                 prefs.Preferences
		firstErr, prefErr error
		userErr           error
	)
	together(
		func() { first, firstErr = s.Devices.FirstDevice(ctx, userID, now) },
		func() {
			if s.Prefs != nil {
				p, prefErr = s.Prefs.GetNotificationPrefs(ctx, userID)
			}
		},
		func() {
			if u == nil {
				var x account.User
				x, userErr = s.Store.GetUser(ctx, userID)
				u = &x
			}
		},
	)
	for _, err := range []error{firstErr, prefErr, userErr} {
		if err != nil {
			s.Log.ErrorContext(ctx, "new-device notice not sent", "userId", userID, "error", err.Error())
			return
		}
	}
	if first || s.Mailer == nil || s.Prefs == nil || !prefs.AllowedAnywhere(p, "account", prefs.Email) {
		return
	}
	e, err := newDeviceNotice.Render(u.Language, newDeviceData{
		App: s.AppName, Name: displayName(*u), When: now.Format("2006-01-02 15:04 UTC"),
		Browser: dev.Browser, OS: dev.OS, IP: dev.IP, SessionID: sessionID,
	})
	if err == nil {
		e.To = u.Email
		err = s.Mailer.SendEmail(ctx, e)
	}
	if err != nil {
		s.Log.ErrorContext(ctx, "new-device notice not sent", "userId", userID, "error", err.Error())
		return
	}
	s.Log.InfoContext(ctx, "new-device notice sent", "userId", userID)
}

func displayName(u account.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.FirstName
}
