package verification

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	_ "time/tzdata" // Lambda's provided.al2023 has no zoneinfo; the time zones this package loads must load anyway

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/metrics"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/phone"
	"github.com/example/myprofile/shared/profile/basic"
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

// Service serves the verification function's routes.
type Service struct {
	Store    Store
	Sessions *sessions.Service
	Reauth   Reauth
	// Requests limits code requests per user and kind (5 an hour).
	Requests ratelimit.Limiter
	// SMSPerIP limits text messages sent per client IP (10 an hour, key
	// "sms-ip#<ip>", shared with the sign-in SMS), against SMS toll fraud.
	SMSPerIP ratelimit.Limiter
	Mailer   notify.Mailer
	Texter   notify.Texter
	Now      func() time.Time
	Log      *slog.Logger
	AppName  string
	// Audit records confirmed changes (optional).
	Audit audit.Sink
	// Metrics counts the codes sent (optional).
	Metrics metrics.Counter
}

// Routes are the verification function's routes.
func (s *Service) Routes() httpapi.Routes {
	auth := s.Sessions.Require
	return httpapi.Routes{
		"POST /v1/me/email-change":         auth(httpapi.Handle(s.requestEmail)),
		"POST /v1/me/email-change/confirm": auth(httpapi.Handle(s.confirmEmail)),
		"DELETE /v1/me/email-change":       auth(httpapi.Handle(s.cancelEmail)),
		"POST /v1/me/phone-change":         auth(httpapi.Handle(s.requestPhone)),
		"POST /v1/me/phone-change/confirm": auth(httpapi.Handle(s.confirmPhone)),
	}
}

// maxConfirmRetries bounds the retries of a confirmation whose transaction
// collided with another write of the user record.
const maxConfirmRetries = 3

type emailChangeRequest struct {
	NewEmail string `json:"newEmail"`
	Password string `json:"password"`
}

type accepted struct {
	ExpiresAt time.Time `json:"expiresAt"`
}

func (s *Service) requestEmail(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := sessions.FromContext(ctx)
	u := p.User
	if u.SSOManaged {
		return reauth.SSOManaged(u)
	}
	var req emailChangeRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	var v account.Validation
	newEmail, msg := account.CleanEmail(req.NewEmail)
	if msg != "" {
		v.Add("newEmail", msg)
	} else if newEmail == account.NormalizeEmail(u.Email) {
		v.Add("newEmail", "must differ from your current email")
	}
	if err := s.authorize(ctx, u, req.Password, KindEmail, &v); err != nil {
		return err
	}
	switch holder, err := s.Store.LookupEmail(ctx, newEmail); {
	case err == nil && holder != u.ID:
		return account.Errorf(account.CodeEmailTaken, "This email address is already used by another account.")
	case err != nil && !errors.Is(err, account.ErrNotFound):
		return account.Internal(err)
	}

	c, codes, err := s.newChange(u, KindEmail, newEmail, 2)
	if err != nil {
		return account.Internal(err)
	}
	c.Current = u.Email
	c.TargetHash = HashCode(c.Salt, c.ID, "target", codes[0])
	c.CurrentHash = HashCode(c.Salt, c.ID, "current", codes[1])
	data := s.data(u, c)
	toNew, toCurrent := data, data
	toNew.Code, toCurrent.Code = codes[0], codes[1]
	mNew, err := emailNewAddress.Render(u.Language, toNew)
	if err != nil {
		return account.Internal(err)
	}
	mNew.To = c.Target
	mCur, err := emailCurrentAddress.Render(u.Language, toCurrent)
	if err != nil {
		return account.Internal(err)
	}
	mCur.To = c.Current

	// Stored first, so the codes that go out are the ones that work and the
	// previous request's codes stop working now; deleted again if a send
	// fails, so no change is left that the user cannot complete.
	if err := s.Store.PutChange(ctx, c); err != nil {
		return account.Internal(err)
	}
	for _, m := range []notify.Email{mNew, mCur} {
		if err := s.Mailer.SendEmail(ctx, m); err != nil {
			return s.sendFailed(ctx, c, err)
		}
	}
	metrics.Add(ctx, s.Metrics, metrics.CodesSent, 2, map[string]string{"channel": "email"})
	httpapi.WriteJSON(w, http.StatusAccepted, accepted{ExpiresAt: c.ExpiresAt})
	return nil
}

type emailConfirmRequest struct {
	NewEmailCode     string `json:"newEmailCode"`
	CurrentEmailCode string `json:"currentEmailCode"`
}

func (s *Service) confirmEmail(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := sessions.FromContext(ctx)
	u := p.User
	if u.SSOManaged {
		return reauth.SSOManaged(u)
	}
	var req emailConfirmRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	var v account.Validation
	if strings.TrimSpace(req.NewEmailCode) == "" {
		v.Add("newEmailCode", "must not be empty")
	}
	if strings.TrimSpace(req.CurrentEmailCode) == "" {
		v.Add("currentEmailCode", "must not be empty")
	}
	if err := v.Err(); err != nil {
		return err
	}
	c, err := s.checkCodes(ctx, u.ID, KindEmail, func(c Change) bool {
		// Both compared, always, so the time does not say which one was wrong.
		okNew := CodeMatches(c.Salt, c.ID, "target", strings.TrimSpace(req.NewEmailCode), c.TargetHash)
		okCur := CodeMatches(c.Salt, c.ID, "current", strings.TrimSpace(req.CurrentEmailCode), c.CurrentHash)
		return okNew && okCur
	})
	if err != nil {
		return err
	}
	if account.NormalizeEmail(u.Email) != c.Current {
		// The email changed since the codes were sent: they confirm nothing.
		_ = s.Store.DeleteChange(ctx, u.ID, KindEmail, c.ID)
		return account.Errorf(account.CodeCodeInvalid, "Your email changed since the codes were sent; request a new code.")
	}
	for attempt := 0; ; attempt++ {
		next := u
		next.Email = c.Target
		phone.FillFormats(&next)
		next.Version = u.Version + 1
		next.UpdatedAt = s.Now().UTC()
		err := s.Store.ConfirmEmail(ctx, next, u.Email, u.Version, c, s.Now())
		switch {
		case err == nil:
			s.noticeOldAddress(ctx, u, c)
			s.record(r, u, audit.ActionEmailChanged, map[string]string{"from": notify.MaskEmail(u.Email), "to": notify.MaskEmail(c.Target)})
			return basic.Write(w, r, http.StatusOK, next)
		case errors.Is(err, ErrNoPending):
			return noPending()
		case errors.Is(err, account.ErrEmailTaken):
			// The address can never be confirmed by this change now.
			_ = s.Store.DeleteChange(ctx, u.ID, KindEmail, c.ID)
			return account.Errorf(account.CodeEmailTaken, "This email address is already used by another account.")
		case errors.Is(err, account.ErrConflict) && attempt < maxConfirmRetries:
			_ = retry.Backoff(ctx, attempt) // a cancelled request ends at the read
			if u, err = s.Store.GetUser(ctx, u.ID); err != nil {
				return account.Internal(err)
			}
			if account.NormalizeEmail(u.Email) != c.Current {
				return noPending()
			}
		case errors.Is(err, account.ErrConflict):
			return account.Errorf(account.CodeConflict, "Your account is being changed by another request; retry.")
		default:
			return account.Internal(err)
		}
	}
}

func (s *Service) cancelEmail(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	if err := s.Store.DeleteChange(r.Context(), p.User.ID, KindEmail, ""); err != nil {
		return account.Internal(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type phoneChangeRequest struct {
	Phone    string `json:"phone"`
	Password string `json:"password"`
}

func (s *Service) requestPhone(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := sessions.FromContext(ctx)
	u := p.User
	var req phoneChangeRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	var v account.Validation
	num, err := phone.Parse(req.Phone, u.Region)
	if err != nil {
		if u.Region == "" {
			v.Add("phone", "must be a valid phone number with its country code, like +34 612 34 56 78")
		} else {
			v.Add("phone", "must be a valid phone number, with its country code if it is not from your region")
		}
	} else if num.E164 == u.Phone && u.PhoneVerified {
		v.Add("phone", "is already your verified phone number")
	}
	if err := s.authorize(ctx, u, req.Password, KindPhone, &v); err != nil {
		return err
	}
	if err := rateLimited(s.SMSPerIP.Take(ctx, "sms-ip#"+request.Client(r.Context()).IP), "Too many text messages from this network; try again later."); err != nil {
		return err
	}
	c, codes, err := s.newChange(u, KindPhone, num.E164, 1)
	if err != nil {
		return account.Internal(err)
	}
	c.TargetHash = HashCode(c.Salt, c.ID, "target", codes[0])
	data := s.data(u, c)
	data.Code = codes[0]
	data.Target = num.International
	msg, err := phoneCode.Render(u.Language, data)
	if err != nil {
		return account.Internal(err)
	}
	if err := s.Store.PutChange(ctx, c); err != nil {
		return account.Internal(err)
	}
	if err := s.Texter.SendSMS(ctx, c.Target, strings.TrimSpace(msg.Text)); err != nil {
		return s.sendFailed(ctx, c, err)
	}
	metrics.Inc(ctx, s.Metrics, metrics.CodesSent, map[string]string{"channel": "sms"})
	httpapi.WriteJSON(w, http.StatusAccepted, accepted{ExpiresAt: c.ExpiresAt})
	return nil
}

type phoneConfirmRequest struct {
	Code string `json:"code"`
}

func (s *Service) confirmPhone(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := sessions.FromContext(ctx)
	u := p.User
	var req phoneConfirmRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Code) == "" {
		return account.Invalid("code", "must not be empty")
	}
	c, err := s.checkCodes(ctx, u.ID, KindPhone, func(c Change) bool {
		return CodeMatches(c.Salt, c.ID, "target", strings.TrimSpace(req.Code), c.TargetHash)
	})
	if err != nil {
		return err
	}
	// The display formats are stored with the number, so that showing a
	// profile needs no phone number parser (package basic).
	formats, err := phone.Format(c.Target)
	if err != nil {
		return account.Internal(fmt.Errorf("format the confirmed phone: %w", err))
	}
	for attempt := 0; ; attempt++ {
		next := u
		next.Phone = c.Target
		next.PhoneNational, next.PhoneInternational = formats.National, formats.International
		next.PhoneVerified = true
		next.Version = u.Version + 1
		next.UpdatedAt = s.Now().UTC()
		err := s.Store.ConfirmPhone(ctx, next, u.Version, c, s.Now())
		switch {
		case err == nil:
			s.record(r, u, audit.ActionPhoneChanged, map[string]string{"to": notify.MaskPhone(c.Target)})
			return basic.Write(w, r, http.StatusOK, next)
		case errors.Is(err, ErrNoPending):
			return noPending()
		case errors.Is(err, account.ErrConflict) && attempt < maxConfirmRetries:
			_ = retry.Backoff(ctx, attempt) // a cancelled request ends at the read
			if u, err = s.Store.GetUser(ctx, u.ID); err != nil {
				return account.Internal(err)
			}
		case errors.Is(err, account.ErrConflict):
			return account.Errorf(account.CodeConflict, "Your account is being changed by another request; retry.")
		default:
			return account.Internal(err)
		}
	}
}

// checkCodes reads the pending change, counts the attempt, then compares
// the codes with match. It returns the change when they match, or the API
// error to answer.
func (s *Service) checkCodes(ctx context.Context, uid, kind string, match func(Change) bool) (Change, error) {
	c, err := s.Store.GetChange(ctx, uid, kind)
	if errors.Is(err, ErrNoPending) {
		return Change{}, noPending()
	}
	if err != nil {
		return Change{}, account.Internal(err)
	}
	if c.Expired(s.Now()) {
		_ = s.Store.DeleteChange(ctx, uid, kind, c.ID)
		return Change{}, account.Errorf(account.CodeCodeExpired, "The code has expired; request a new one.")
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
	if !match(c) {
		if n >= MaxAttempts {
			if err := s.Store.DeleteChange(ctx, uid, kind, c.ID); err != nil {
				return Change{}, account.Internal(err)
			}
			return Change{}, tooMany()
		}
		e := account.Errorf(account.CodeCodeInvalid, "The code is not correct.")
		e.Extra = map[string]any{"attemptsRemaining": MaxAttempts - n}
		return Change{}, e
	}
	return c, nil
}

func noPending() error {
	return account.Errorf(account.CodeCodeInvalid, "There is no pending change for this code; request a new code.")
}

func tooMany() error {
	return account.Errorf(account.CodeTooManyAttempts, "Too many wrong codes; the change was cancelled. Request a new code.")
}

// limit counts one code request of the user.
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

func (s *Service) limit(ctx context.Context, kind, uid string) error {
	return rateLimited(s.Requests.Hit(ctx, kind+"-change#"+uid), "Too many code requests; try again later.")
}

// rateLimited turns a limiter result into 429 rate_limited (or a 500).
func rateLimited(err error, detail string) error {
	var l *ratelimit.Limited
	switch {
	case errors.As(err, &l):
		return &account.Error{Code: account.CodeRateLimited, Detail: detail, RetryAfter: l.RetryAfter}
	case err != nil:
		return account.Internal(err)
	}
	return nil
}

// newChange makes a pending change with n fresh, distinct codes.
func (s *Service) newChange(u account.User, kind, target string, n int) (Change, []string, error) {
	id, err := NewID()
	if err != nil {
		return Change{}, nil, err
	}
	salt, err := NewSalt()
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
	return Change{UserID: u.ID, Kind: kind, ID: id, Target: target, Salt: salt, CreatedAt: now, ExpiresAt: now.Add(CodeTTL)}, codes, nil
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

// record appends an audit entry for a confirmed change.
func (s *Service) record(r *http.Request, u account.User, action string, details map[string]string) {
	audit.RecordOwn(r, s.Audit, s.Log, u, action, details)
}
