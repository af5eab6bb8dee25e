package verification

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	_ "time/tzdata" // Lambda's provided.al2023 has no zoneinfo; the time zones this package loads must load anyway

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/events"
	"github.com/example/myprofile/shared/metrics"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/phone"
	"github.com/example/myprofile/shared/ratelimit"
	"github.com/example/myprofile/shared/reauth"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/retry"
	"github.com/example/myprofile/shared/sessions"
)

// Reauth checks the current password (reauth.Checker).
type Reauth interface {
	Check(ctx context.Context, u account.User, pw, field string) error
}

// Service changes users' email and phone; its methods are the
// verification function's routes (http.go).
type Service struct {
	Store    Store
	Sessions *sessions.Service
	Reauth   Reauth
	// Requests limits code requests per user and kind (5 an hour).
	Requests ratelimit.Limiter
	// Codes hashes the codes under the server-side data key.
	Codes CodeHashes
	// RecipientHour and RecipientDay limit the code mails to one new
	// address, whichever accounts ask (keys "mail-to-h#<email>" and
	// "mail-to-d#<email>"; 3 an hour, 10 a day), against mail bombing.
	RecipientHour ratelimit.Limiter
	RecipientDay  ratelimit.Limiter
	// SMS admits text messages with codes (mobile numbers only, limits per
	// client IP, account, number and a daily budget, shared with the
	// sign-in SMS), against SMS toll fraud.
	SMS phone.SMSGuard
	// Phones parses new numbers with full metadata (libphone.Parser): set
	// only in the phone function, so that the email change does not link
	// or initialize the parser. Without it the phone change is refused.
	Phones  PhoneParser
	Mailer  notify.Mailer
	Texter  notify.Texter
	Now     func() time.Time
	Log     *slog.Logger
	AppName string
	// Audit records confirmed changes (optional).
	Audit audit.Sink
	// Metrics counts the codes sent (optional).
	Metrics metrics.Counter
	// Events publishes User Email Changed and User Phone Changed after a
	// confirmed change (nil: none).
	Events *events.Emitter
}

// PhoneParser reads a number written with its country code or in
// region's national form (ISO 3166-1 alpha-2, may be empty): valid numbers
// only, with their formats, type and country; else phone.ErrInvalid.
type PhoneParser interface {
	Parse(input, region string) (phone.Number, error)
}

// maxConfirmRetries bounds the retries of a confirmation whose transaction
// collided with another write of the user record.
const maxConfirmRetries = 3

// Errors of the service, besides the store's ErrNoPending and
// ErrTooManyAttempts. Each comes wrapped in the *account.Error to answer,
// so callers match them with errors.Is.
var (
	// ErrCodeInvalid: a submitted code is not the one sent (the attempt
	// was counted).
	ErrCodeInvalid = errors.New("verify: code not correct")
	// ErrCodeExpired: the pending change is past CodeTTL (it is deleted).
	ErrCodeExpired = errors.New("verify: code expired")
	// ErrRateLimited: too many code requests for the user, or a limit of
	// text messages (client network, account, number, daily budget) or of
	// code mails to one address is reached.
	ErrRateLimited = errors.New("verify: rate limited")
	// ErrPhoneNotServed: the new number is not one codes are texted to (not
	// a mobile number, or its country is not allowed): 400 naming "phone".
	ErrPhoneNotServed = errors.New("verify: no text messages to this number")
)

// CanChangeEmail refuses users whose sign-in email is managed by their
// organization's identity provider (409 sso_managed). The email routes
// check it before reading the request.
func CanChangeEmail(u account.User) error {
	if u.SSOManaged {
		return reauth.SSOManaged(u)
	}
	return nil
}

// RequestEmailChange starts changing u's email to newEmail: after
// checking the current password, the request limit and the limit of code
// mails to newEmail across accounts (ErrRateLimited), it stores a
// pending change (replacing any earlier one, whose codes stop working) and
// mails one code to the new address and another to the current one. It
// returns when the codes expire.
func (s *Service) RequestEmailChange(ctx context.Context, u account.User, newEmail, password string) (time.Time, error) {
	if err := CanChangeEmail(u); err != nil {
		return time.Time{}, err
	}
	var v account.Validation
	newEmail, msg := account.CleanEmail(newEmail)
	if msg != "" {
		v.Add("newEmail", msg)
	} else if newEmail == account.NormalizeEmail(u.Email) {
		v.Add("newEmail", "must differ from your current email")
	}
	if err := s.authorize(ctx, u, password, KindEmail, &v); err != nil {
		return time.Time{}, err
	}
	switch holder, err := s.Store.LookupEmail(ctx, newEmail); {
	case err == nil && holder != u.ID:
		return time.Time{}, emailTaken()
	case err != nil && !errors.Is(err, account.ErrNotFound):
		return time.Time{}, account.Internal(err)
	}

	// Counted per recipient across accounts, so many accounts cannot flood
	// one inbox; given back when the mails could not be sent.
	release, err := ratelimit.TakeAll(ctx,
		ratelimit.Quota{Name: "code mails per recipient (hour)", Limiter: s.RecipientHour, Key: "mail-to-h#" + newEmail},
		ratelimit.Quota{Name: "code mails per recipient (day)", Limiter: s.RecipientDay, Key: "mail-to-d#" + newEmail},
	)
	if err := rateLimited(err, "Too many codes were sent to this address; try again later."); err != nil {
		return time.Time{}, err
	}
	sent := false
	defer func() {
		if !sent {
			release(context.WithoutCancel(ctx))
		}
	}()
	c, codes, err := s.newChange(u, KindEmail, newEmail, 2)
	if err != nil {
		return time.Time{}, account.Internal(err)
	}
	c.Current = u.Email
	if c.TargetHash, err = s.Codes.HashCode(ctx, c, "target", codes[0]); err != nil {
		return time.Time{}, account.Internal(err)
	}
	if c.CurrentHash, err = s.Codes.HashCode(ctx, c, "current", codes[1]); err != nil {
		return time.Time{}, account.Internal(err)
	}
	data := s.data(u, c)
	toNew, toCurrent := data, data
	toNew.Code, toCurrent.Code = codes[0], codes[1]
	mNew, err := emailNewAddress.Render(u.Language, toNew)
	if err != nil {
		return time.Time{}, account.Internal(err)
	}
	mNew.To = c.Target
	mCur, err := emailCurrentAddress.Render(u.Language, toCurrent)
	if err != nil {
		return time.Time{}, account.Internal(err)
	}
	mCur.To = c.Current

	// Stored first, so the codes that go out are the ones that work and the
	// previous request's codes stop working now; deleted again if a send
	// fails, so no change is left that the user cannot complete.
	if err := s.Store.PutChange(ctx, c); err != nil {
		return time.Time{}, account.Internal(err)
	}
	for _, m := range []notify.Email{mNew, mCur} {
		if err := s.Mailer.SendEmail(ctx, m); err != nil {
			return time.Time{}, s.sendFailed(ctx, c, err)
		}
	}
	sent = true
	metrics.Add(ctx, s.Metrics, metrics.CodesSent, 2, map[string]string{"channel": "email"})
	return c.ExpiresAt, nil
}

// ConfirmEmailChange completes u's pending email change with the code
// sent to the new address and the one sent to the current address. It
// returns the user as saved; the old address is told and the change
// audited.
func (s *Service) ConfirmEmailChange(ctx context.Context, u account.User, newEmailCode, currentEmailCode string) (account.User, error) {
	if err := CanChangeEmail(u); err != nil {
		return account.User{}, err
	}
	var v account.Validation
	if strings.TrimSpace(newEmailCode) == "" {
		v.Add("newEmailCode", "must not be empty")
	}
	if strings.TrimSpace(currentEmailCode) == "" {
		v.Add("currentEmailCode", "must not be empty")
	}
	if err := v.Err(); err != nil {
		return account.User{}, err
	}
	c, err := s.checkCodes(ctx, u.ID, KindEmail, func(c Change) (bool, error) {
		// Both compared, always, so the time does not say which one was wrong.
		okNew, err1 := s.Codes.CodeMatches(ctx, c, "target", strings.TrimSpace(newEmailCode), c.TargetHash)
		okCur, err2 := s.Codes.CodeMatches(ctx, c, "current", strings.TrimSpace(currentEmailCode), c.CurrentHash)
		return okNew && okCur, errors.Join(err1, err2)
	})
	if err != nil {
		return account.User{}, err
	}
	if account.NormalizeEmail(u.Email) != c.Current {
		// The email changed since the codes were sent: they confirm nothing.
		_ = s.Store.DeleteChange(ctx, u.ID, KindEmail, c.ID)
		return account.User{}, &account.Error{Code: account.CodeCodeInvalid, Detail: "Your email changed since the codes were sent; request a new code.", Cause: ErrNoPending}
	}
	for attempt := 0; ; attempt++ {
		next := u
		next.Email = c.Target
		next.Version = u.Version + 1
		next.UpdatedAt = s.Now().UTC()
		evs := s.event(ctx, events.UserEmailChanged, map[string]any{"userId": u.ID})
		err := s.Store.ConfirmEmail(ctx, next, u.Email, u.Version, c, s.Now(), evs...)
		switch {
		case err == nil:
			s.noticeOldAddress(ctx, u, c)
			s.record(ctx, u, audit.ActionEmailChanged, map[string]string{"from": notify.MaskEmail(u.Email), "to": notify.MaskEmail(c.Target)})
			s.Events.Deliver(ctx, evs...)
			return next, nil
		case errors.Is(err, ErrNoPending):
			return account.User{}, noPending()
		case errors.Is(err, account.ErrEmailTaken):
			// The address can never be confirmed by this change now.
			_ = s.Store.DeleteChange(ctx, u.ID, KindEmail, c.ID)
			return account.User{}, emailTaken()
		case errors.Is(err, account.ErrConflict) && attempt < maxConfirmRetries:
			_ = retry.Backoff(ctx, attempt) // a cancelled request ends at the read
			if u, err = s.Store.GetUser(ctx, u.ID); err != nil {
				return account.User{}, account.Internal(err)
			}
			if account.NormalizeEmail(u.Email) != c.Current {
				return account.User{}, noPending()
			}
		case errors.Is(err, account.ErrConflict):
			return account.User{}, busy(err)
		default:
			return account.User{}, account.Internal(err)
		}
	}
}

// CancelEmailChange drops the user's pending email change, if any.
func (s *Service) CancelEmailChange(ctx context.Context, userID string) error {
	if err := s.Store.DeleteChange(ctx, userID, KindEmail, ""); err != nil {
		return account.Internal(err)
	}
	return nil
}

// RequestPhoneChange starts changing u's phone number to number (parsed
// in u's region unless it has a country code): after checking the current
// password, the user's request limit and the SMS guard (a mobile number of
// an allowed country, within the limits per network, account, number and
// the daily budget), it stores
// a pending change (replacing any earlier one) and texts a code to the
// number. It returns when the code expires.
func (s *Service) RequestPhoneChange(ctx context.Context, u account.User, number, password string) (time.Time, error) {
	if s.Phones == nil {
		return time.Time{}, account.Internal(errors.New("verification: phone change without a phone parser"))
	}
	var v account.Validation
	num, err := s.Phones.Parse(number, u.Region)
	if err != nil {
		if u.Region == "" {
			v.Add("phone", "must be a valid phone number with its country code, like +34 612 34 56 78")
		} else {
			v.Add("phone", "must be a valid phone number, with its country code if it is not from your region")
		}
	} else if num.E164 == u.Phone && u.PhoneVerified && u.PhoneType != "" {
		// (A number verified before its type was stored may be verified
		// again: that stores its type, which text messages need.)
		v.Add("phone", "is already your verified phone number")
	}
	if err := s.authorize(ctx, u, password, KindPhone, &v); err != nil {
		return time.Time{}, err
	}
	release, err := s.SMS.Take(ctx, u.ID, request.Client(ctx).IP, num)
	if err != nil {
		return time.Time{}, smsRefused(err)
	}
	c, codes, err := s.newChange(u, KindPhone, num.E164, 1)
	if err != nil {
		release(context.WithoutCancel(ctx))
		return time.Time{}, account.Internal(err)
	}
	if c.TargetHash, err = s.Codes.HashCode(ctx, c, "target", codes[0]); err != nil {
		release(context.WithoutCancel(ctx))
		return time.Time{}, account.Internal(err)
	}
	data := s.data(u, c)
	data.Code = codes[0]
	data.Target = num.International
	msg, err := phoneCode.Render(u.Language, data)
	if err != nil {
		return time.Time{}, account.Internal(err)
	}
	if err := s.Store.PutChange(ctx, c); err != nil {
		release(context.WithoutCancel(ctx))
		return time.Time{}, account.Internal(err)
	}
	if err := s.Texter.SendSMS(ctx, c.Target, strings.TrimSpace(msg.Text)); err != nil {
		release(context.WithoutCancel(ctx)) // nothing was sent: the limits stay as they were
		return time.Time{}, s.sendFailed(ctx, c, err)
	}
	metrics.Inc(ctx, s.Metrics, metrics.CodesSent, map[string]string{"channel": "sms"})
	return c.ExpiresAt, nil
}

// ConfirmPhoneChange completes u's pending phone change with the code
// texted to the new number, which becomes u's verified phone. It returns
// the user as saved; the change is audited.
func (s *Service) ConfirmPhoneChange(ctx context.Context, u account.User, code string) (account.User, error) {
	if strings.TrimSpace(code) == "" {
		return account.User{}, account.Invalid("code", "must not be empty")
	}
	c, err := s.checkCodes(ctx, u.ID, KindPhone, func(c Change) (bool, error) {
		return s.Codes.CodeMatches(ctx, c, "target", strings.TrimSpace(code), c.TargetHash)
	})
	if err != nil {
		return account.User{}, err
	}
	if s.Phones == nil {
		return account.User{}, account.Internal(errors.New("verification: phone change without a phone parser"))
	}
	// The display formats, type and country are stored with the number,
	// so that showing a profile or texting a sign-in code needs no phone
	// number parser (package phone).
	num, err := s.Phones.Parse(c.Target, "")
	if err != nil {
		return account.User{}, account.Internal(fmt.Errorf("format the confirmed phone: %w", err))
	}
	for attempt := 0; ; attempt++ {
		next := u
		phone.Store(&next, num)
		next.PhoneVerified = true
		next.Version = u.Version + 1
		next.UpdatedAt = s.Now().UTC()
		evs := s.event(ctx, events.UserPhoneChanged, map[string]any{"userId": u.ID})
		err := s.Store.ConfirmPhone(ctx, next, u.Version, c, s.Now(), evs...)
		switch {
		case err == nil:
			s.record(ctx, u, audit.ActionPhoneChanged, map[string]string{"to": notify.MaskPhone(c.Target)})
			s.Events.Deliver(ctx, evs...)
			return next, nil
		case errors.Is(err, ErrNoPending):
			return account.User{}, noPending()
		case errors.Is(err, account.ErrConflict) && attempt < maxConfirmRetries:
			_ = retry.Backoff(ctx, attempt) // a cancelled request ends at the read
			if u, err = s.Store.GetUser(ctx, u.ID); err != nil {
				return account.User{}, account.Internal(err)
			}
		case errors.Is(err, account.ErrConflict):
			return account.User{}, busy(err)
		default:
			return account.User{}, account.Internal(err)
		}
	}
}

// checkCodes reads the pending change, counts the attempt, then compares
// the codes with match. It returns the change when they match, or the
// error to answer: ErrNoPending, ErrCodeExpired, ErrCodeInvalid (with the
// attempts remaining) or, at the last wrong attempt, ErrTooManyAttempts.
func (s *Service) checkCodes(ctx context.Context, uid, kind string, match func(Change) (bool, error)) (Change, error) {
	c, err := s.Store.GetChange(ctx, uid, kind)
	if errors.Is(err, ErrNoPending) {
		return Change{}, noPending()
	}
	if err != nil {
		return Change{}, account.Internal(err)
	}
	if c.Expired(s.Now()) || !c.Keyed {
		// A change stored before codes were keyed with the data key is
		// void, as if expired: its hashes cannot be checked any more.
		_ = s.Store.DeleteChange(ctx, uid, kind, c.ID)
		return Change{}, &account.Error{Code: account.CodeCodeExpired, Detail: "The code has expired; request a new one.", Cause: ErrCodeExpired}
	}
	// The attempt is counted before the codes are compared: a guess that
	// was not counted is never checked.
	n, err := s.Store.CountAttempt(ctx, uid, kind, c.ID, MaxAttempts)
	switch {
	case errors.Is(err, ErrNoPending):
		return Change{}, noPending()
	case errors.Is(err, ErrTooManyAttempts):
		return Change{}, tooMany()
	case err != nil:
		return Change{}, account.Internal(err)
	}
	ok, err := match(c)
	if err != nil {
		return Change{}, account.Internal(err)
	}
	if !ok {
		if n >= MaxAttempts {
			if err := s.Store.DeleteChange(ctx, uid, kind, c.ID); err != nil {
				return Change{}, account.Internal(err)
			}
			return Change{}, tooMany()
		}
		return Change{}, &account.Error{Code: account.CodeCodeInvalid, Detail: "The code is not correct.",
			Extra: map[string]any{"attemptsRemaining": MaxAttempts - n}, Cause: ErrCodeInvalid}
	}
	return c, nil
}

func noPending() error {
	return &account.Error{Code: account.CodeCodeInvalid, Detail: "There is no pending change for this code; request a new code.", Cause: ErrNoPending}
}

func tooMany() error {
	return &account.Error{Code: account.CodeTooManyAttempts, Detail: "Too many wrong codes; the change was cancelled. Request a new code.", Cause: ErrTooManyAttempts}
}

func emailTaken() error {
	return &account.Error{Code: account.CodeEmailTaken, Detail: "This email address is already used by another account.", Cause: account.ErrEmailTaken}
}

// busy answers a confirmation whose transaction kept colliding with other
// writes of the user record.
func busy(err error) error {
	return &account.Error{Code: account.CodeConflict, Detail: "Your account is being changed by another request; retry.", Cause: err}
}

// authorize finishes a change request's checks: the password must be
// given (with v's problems, all answered at once), be the current one, and
// the user must be within the kind's request limit.
func (s *Service) authorize(ctx context.Context, u account.User, password, kind string, v *account.Validation) error {
	if password == "" {
		v.Add("password", "must not be empty")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.Reauth.Check(ctx, u, password, "password"); err != nil {
		return err
	}
	return s.limit(ctx, kind, u.ID)
}

// limit counts one code request of the user.
func (s *Service) limit(ctx context.Context, kind, uid string) error {
	return rateLimited(s.Requests.Hit(ctx, kind+"-change#"+uid), "Too many code requests; try again later.")
}

// rateLimited turns a limiter result into 429 rate_limited
// (ErrRateLimited), or a 500.
func rateLimited(err error, detail string) error {
	var l *ratelimit.Limited
	switch {
	case errors.As(err, &l):
		return &account.Error{Code: account.CodeRateLimited, Detail: detail, RetryAfter: l.RetryAfter, Cause: fmt.Errorf("%w: %w", ErrRateLimited, err)}
	case err != nil:
		return account.Internal(err)
	}
	return nil
}

// smsRefused answers a refusal of the SMS guard: 429 rate_limited
// (ErrRateLimited) or 400 naming "phone" (ErrPhoneNotServed).
func smsRefused(err error) error {
	pub := phone.SMSProblem(err, "phone")
	switch pub.Code {
	case account.CodeRateLimited:
		pub.Cause = fmt.Errorf("%w: %w", ErrRateLimited, err)
	case account.CodeValidation:
		pub.Cause = fmt.Errorf("%w: %w", ErrPhoneNotServed, err)
	}
	return pub
}

// newChange makes a pending change with n fresh, distinct codes.
func (s *Service) newChange(u account.User, kind, target string, n int) (Change, []string, error) {
	id, err := NewID()
	if err != nil {
		return Change{}, nil, err
	}
	var codes []string
	for len(codes) < n {
		code, err := NewCode()
		if err != nil {
			return Change{}, nil, err
		}
		if len(codes) > 0 && codes[0] == code {
			continue // two equal codes would let one inbox confirm both
		}
		codes = append(codes, code)
	}
	now := s.Now().UTC()
	return Change{UserID: u.ID, Kind: kind, ID: id, Target: target, Keyed: true, CreatedAt: now, ExpiresAt: now.Add(CodeTTL)}, codes, nil
}

func (s *Service) data(u account.User, c Change) messageData {
	loc, err := time.LoadLocation(u.Timezone)
	if err != nil || u.Timezone == "" {
		loc = time.UTC
	}
	return messageData{
		App: s.AppName, Target: c.Target, Current: c.Current, Masked: notify.MaskEmail(c.Target),
		Expires: c.ExpiresAt.In(loc).Format("15:04 MST (2006-01-02)"),
		Minutes: int(CodeTTL / time.Minute),
	}
}

// sendFailed removes the change whose codes could not all be sent and
// answers 503: the request can be retried.
func (s *Service) sendFailed(ctx context.Context, c Change, err error) error {
	if derr := s.Store.DeleteChange(context.WithoutCancel(ctx), c.UserID, c.Kind, c.ID); derr != nil {
		err = fmt.Errorf("%w; and deleting the pending change: %w", err, derr)
	}
	return &account.Error{Code: account.CodeUnavailable, Detail: "The code could not be sent; try again in a moment.",
		RetryAfter: 30 * time.Second, Cause: fmt.Errorf("verify: send %s code: %w", c.Kind, err)}
}

// noticeOldAddress tells the old address where sign-in went. The change is
// already done, so a failure is logged, not answered.
func (s *Service) noticeOldAddress(ctx context.Context, u account.User, c Change) {
	data := s.data(u, c)
	data.Current = u.Email
	m, err := emailChanged.Render(u.Language, data)
	if err == nil {
		m.To = u.Email
		err = s.Mailer.SendEmail(ctx, m)
	}
	if err != nil && s.Log != nil {
		s.Log.ErrorContext(ctx, "email change notice not sent", "userId", u.ID, "error", err)
	}
}

// record appends the audit entry of a confirmed change, in the user's
// current organization, as audit.RecordOwn does for a request. The change
// is stored already, so a failure is logged, not answered.
func (s *Service) record(ctx context.Context, u account.User, action string, details map[string]string) {
	if s.Audit == nil {
		return
	}
	orgID, _, _ := u.CurrentOrg("")
	e := audit.Entry{
		Actor: u.ID, Subject: u.ID, OrgID: orgID, Action: action,
		RequestID: request.ID(ctx), IP: request.Client(ctx).IP, Details: details,
	}
	if err := s.Audit.Record(ctx, e); err != nil && s.Log != nil {
		s.Log.ErrorContext(ctx, "audit "+action, "userId", u.ID, "error", err.Error())
	}
}

// event makes the event a change reports, for the store to put in the
// outbox within the change's transaction (none without an Emitter).
func (s *Service) event(ctx context.Context, detailType string, detail map[string]any) []events.Event {
	if s.Events == nil {
		return nil
	}
	return []events.Event{s.Events.New(ctx, detailType, detail)}
}
