package twofactor

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/metrics"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/password"
	"github.com/example/myprofile/shared/phone"
	"github.com/example/myprofile/shared/ratelimit"
	"github.com/example/myprofile/shared/request"
)

// Begin starts the second step of a sign-in whose password was right: nil
// when the user has no second factor, else the mfaRequired body. It
// implements auth.SecondFactor.
func (s *Service) Begin(ctx context.Context, u account.User, src request.Source) (any, error) {
	if !u.TwoFactor.Enabled || len(u.TwoFactor.Methods) == 0 {
		return nil, nil
	}
	secret, err := randomHex(16)
	if err != nil {
		return nil, account.Internal(err)
	}
	id := u.ID + "." + secret
	now := s.Now().UTC()
	// The challenge offers backup codes whether or not any remain (a code
	// that does not exist is refused like a wrong one), so the limit check,
	// the count and the challenge are one round trip.
	stored := append(slices.Clone(u.TwoFactor.Methods), MethodBackupCode)
	c := Challenge{ID: id, UserID: u.ID, IP: src.IP, UserAgent: src.UserAgent, Methods: stored, ExpiresAt: now.Add(ChallengeTTL)}
	var (
		n                                   int
		lockErr, checkErr, countErr, putErr error
	)
	together(
		// No second step while the second factors are locked (lockout.go).
		func() { lockErr = s.checkLock(ctx, u.ID, now) },
		func() { checkErr = limitedMFA(s.Failures.Check(ctx, failKey(u.ID))) },
		func() { n, countErr = s.Store.CountBackupCodes(ctx, u.ID) },
		func() { putErr = s.Store.PutChallenge(ctx, c) },
	)
	for _, err := range []error{lockErr, checkErr} {
		if err != nil {
			return nil, err // the challenge stored is never answered; it expires
		}
	}
	for _, err := range []error{countErr, putErr} {
		if err != nil {
			return nil, account.Internal(err)
		}
	}
	methods := slices.Clone(u.TwoFactor.Methods)
	if n > 0 {
		methods = append(methods, MethodBackupCode)
	}
	s.Log.InfoContext(ctx, "second factor required", "userId", u.ID)
	return map[string]any{"mfaRequired": true, "challengeId": id, "methods": methods, "expiresAt": c.ExpiresAt}, nil
}

func failKey(uid string) string { return "mfa#" + uid }

// attempt opens one attempt at a sign-in challenge, for every second-step
// method: the attempt is counted on the challenge and on the user before
// anything is checked (atomically), the challenge must be bound to this
// client (src) and offer method, and its user is read. The user id is the
// challenge id's first part, so the counts, the lock, the user record and
// whatever also reads are requested together: one DynamoDB round trip.
// struck reports strikes on record (a success clears them: redeem). The
// caller defers done(err) with its answer: the per-user attempt is given
// back unless the answer is a refusal (ErrRefused).
func (s *Service) attempt(ctx context.Context, src request.Source, challengeID, method string, now time.Time, also ...func(uid string)) (_ Challenge, _ account.User, struck bool, _ func(error), _ error) {
	uid, _, _ := strings.Cut(challengeID, ".")
	var (
		c                   Challenge
		u                   account.User
		cErr, takeErr, uErr error
	)
	fns := []func(){
		func() { c, cErr = s.Store.AttemptChallenge(ctx, challengeID, now, ChallengeMaxAttempts) },
		func() { struck, takeErr = s.takeAttempt(ctx, uid) },
		func() { u, uErr = s.Users.GetUser(ctx, uid) },
	}
	for _, f := range also {
		fns = append(fns, func() { f(uid) })
	}
	together(fns...)
	if cErr != nil {
		if takeErr == nil {
			s.release(ctx, uid) // no attempt was made
		}
		if errors.Is(cErr, ErrVoid) {
			return Challenge{}, account.User{}, false, nil, errMFA()
		}
		return Challenge{}, account.User{}, false, nil, account.Internal(cErr)
	}
	request.SetUserID(ctx, c.UserID)
	if takeErr != nil {
		return Challenge{}, account.User{}, false, nil, takeErr
	}
	done := func(answer error) { s.settleAttempt(ctx, c.UserID, struck, answer) }
	fail := func(err error) (Challenge, account.User, bool, func(error), error) {
		done(err)
		return Challenge{}, account.User{}, false, nil, err
	}
	if c.IP != src.IP || c.UserAgent != src.UserAgent || !slices.Contains(c.Methods, method) {
		return fail(s.refuse(ctx, c.UserID, "challenge bound elsewhere or method not offered"))
	}
	if errors.Is(uErr, account.ErrNotFound) {
		return fail(errMFA())
	}
	if uErr != nil {
		return fail(account.Internal(uErr))
	}
	return c, u, struck, done, nil
}

// together runs fns at once and waits for them all: independent DynamoDB
// requests cost one round trip instead of one each.
func together(fns ...func()) {
	var wg sync.WaitGroup
	for _, f := range fns {
		wg.Go(f)
	}
	wg.Wait()
}

// redeem marks the challenge used with write (RedeemChallenge, or
// RedeemChallengeTOTP that records the code's step in the same
// transaction) and, at the same time, gives back the user's attempt (the
// answer was right). If the challenge was redeemed already or the step was
// recorded meanwhile (a replay: u is told), the attempt is counted again
// and the answer is a refusal. Strikes on record (struck) are cleared
// after a success.
func (s *Service) redeem(ctx context.Context, c Challenge, u account.User, struck bool, write func() error) error {
	var err error
	together(
		func() { err = write() },
		func() { s.release(ctx, c.UserID) },
	)
	if err == nil {
		if struck {
			s.unlock(ctx, c.UserID)
		}
		return nil
	}
	var refused error
	switch {
	case errors.Is(err, ErrVoid):
		refused = s.refuse(ctx, c.UserID, "challenge redeemed already")
	case errors.Is(err, ErrReplay):
		s.notice(ctx, u, noticeReplay, MethodTOTP)
		refused = s.refuse(ctx, c.UserID, "totp replay")
	case errors.Is(err, account.ErrNotFound):
		// The authenticator was removed since it was read.
		refused = s.refuse(ctx, c.UserID, "totp removed")
	default:
		return account.Internal(err)
	}
	if herr := s.Failures.Hit(ctx, failKey(c.UserID)); herr != nil && !isLimited(herr) {
		s.Log.ErrorContext(ctx, "count second-factor attempt again", "error", herr.Error())
	}
	return refused
}

func isLimited(err error) bool {
	var l *ratelimit.Limited
	return errors.As(err, &l)
}

// validChallengeID checks the shape "<userId>.<32 hex>": the user id keeps
// the challenge in the user's partition (account deletion removes it).
func validChallengeID(id string) bool {
	uid, secret, ok := strings.Cut(id, ".")
	if !ok || len(uid) == 0 || len(uid) > 64 || len(secret) != 32 {
		return false
	}
	for _, r := range uid {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	_, err := hex.DecodeString(secret)
	return err == nil
}

// VerifyCode answers a sign-in challenge made for the client src with a
// code of method (totp, backup_code or sms) and returns the id of the user
// to sign in. The attempt is counted on the challenge and on the user
// before anything is checked; every refusal is ErrRefused and stays
// counted, anything else gives the user's attempt back. Over the user's
// limit it is ErrTooManyAttempts (429 rate_limited).
func (s *Service) VerifyCode(ctx context.Context, src request.Source, challengeID, method, code string) (_ string, err error) {
	var v account.Validation
	if !validChallengeID(challengeID) {
		v.Add("challengeId", "must be the challengeId returned by POST /v1/auth/login")
	}
	switch method {
	case MethodTOTP, MethodBackupCode, MethodSMS:
	default:
		v.Add("method", `must be "totp", "backup_code" or "sms"`)
	}
	if code == "" || len(code) > 32 {
		v.Add("code", "must be the code")
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	now := s.Now().UTC()
	// The authenticator is read with the attempt (one round trip).
	var (
		totp    TOTP
		totpErr error
	)
	var also []func(string)
	if method == MethodTOTP {
		also = append(also, func(uid string) { totp, totpErr = s.Store.GetTOTP(ctx, uid) })
	}
	c, u, struck, done, err := s.attempt(ctx, src, challengeID, method, now, also...)
	if err != nil {
		return "", err
	}
	settled := false
	defer func() {
		if !settled {
			done(err)
		}
	}()
	smsHash := ""
	var backup *BackupCode
	write := func() error { return s.Store.RedeemChallenge(ctx, c.ID, now, smsHash) }
	switch method {
	case MethodTOTP:
		if !hasMethod(u, MethodTOTP) {
			return "", s.refuse(ctx, u.ID, "totp no longer enabled")
		}
		step, err := s.matchTOTP(ctx, u, totp, totpErr, code, now)
		if err != nil {
			return "", err
		}
		// The step is recorded as the challenge is redeemed, in one
		// transaction: of concurrent answers with this code, one wins.
		write = func() error { return s.Store.RedeemChallengeTOTP(ctx, c.ID, now, u.ID, step) }
	case MethodBackupCode:
		if backup, err = s.checkBackupCode(ctx, u, code); err != nil {
			return "", err
		}
	case MethodSMS:
		if !hasMethod(u, MethodSMS) || c.SMSHash == "" || !now.Before(c.SMSExpiresAt) {
			return "", s.refuse(ctx, u.ID, "no live sms code")
		}
		if smsHash, err = s.smsHash(ctx, c.ID, code); err != nil {
			return "", account.Internal(err)
		}
		if subtle.ConstantTimeCompare([]byte(smsHash), []byte(c.SMSHash)) != 1 {
			return "", s.refuse(ctx, u.ID, "wrong sms code")
		}
	}
	// Single use: of concurrent redemptions of one challenge, one wins.
	settled = true
	if err := s.redeem(ctx, c, u, struck, write); err != nil {
		return "", err
	}
	// Only the winner of the challenge consumes its backup code: of five
	// valid codes sent at once, one is spent, not five.
	if backup != nil {
		if err := s.consumeBackupCode(ctx, u, *backup); err != nil {
			return "", err
		}
	}
	s.Log.InfoContext(ctx, "second factor accepted", "userId", u.ID, "method", method)
	return u.ID, nil
}

// checkTOTP accepts a code of a time step later than the last accepted
// one, recording it with a conditional write. A replay is refused and the
// user is told by email. t and err are the authenticator as read (GetTOTP).
func (s *Service) checkTOTP(ctx context.Context, u account.User, t TOTP, err error, code string, now time.Time) error {
	step, err := s.matchTOTP(ctx, u, t, err, code, now)
	if err != nil {
		return err
	}
	return s.advanceTOTP(ctx, u, step)
}

// matchTOTP is checkTOTP's check of the code against the authenticator as
// read: the step the code is of, to record with advanceTOTP.
func (s *Service) matchTOTP(ctx context.Context, u account.User, t TOTP, err error, code string, now time.Time) (int64, error) {
	if errors.Is(err, account.ErrNotFound) {
		return 0, s.refuse(ctx, u.ID, "no totp")
	}
	if err != nil {
		return 0, account.Internal(err)
	}
	secret, err := s.Sealer.Open(ctx, u.ID, t.SecretEnc)
	if err != nil {
		return 0, account.Internal(err)
	}
	step, ok, replay, err := Standard.Match(secret, code, now, t.LastStep)
	if err != nil {
		return 0, account.Internal(err)
	}
	if ok {
		return step, nil
	}
	if replay {
		s.notice(ctx, u, noticeReplay, MethodTOTP)
		return 0, s.refuse(ctx, u.ID, "totp replay")
	}
	return 0, s.refuse(ctx, u.ID, "wrong totp")
}

// advanceTOTP records step as the last accepted one, if it is later than
// the recorded one: a code accepted meanwhile by another request is a
// replay (refused, the user told).
func (s *Service) advanceTOTP(ctx context.Context, u account.User, step int64) error {
	err := s.Store.AdvanceTOTPStep(ctx, u.ID, step)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, account.ErrNotFound):
		// The authenticator was removed since it was read.
		return s.refuse(ctx, u.ID, "totp removed")
	case errors.Is(err, ErrReplay):
		s.notice(ctx, u, noticeReplay, MethodTOTP)
		return s.refuse(ctx, u.ID, "totp replay")
	}
	return account.Internal(err)
}

// checkBackupCode reads the one code the id names and verifies one
// argon2id hash. It does not consume the code: VerifyCode claims the
// challenge first (RedeemChallenge, one winner) and only then consumes it
// (consumeBackupCode), so concurrent second steps spend one code at most.
func (s *Service) checkBackupCode(ctx context.Context, u account.User, raw string) (*BackupCode, error) {
	code, ok := normalizeBackupCode(raw)
	if !ok {
		return nil, s.refuse(ctx, u.ID, "malformed backup code")
	}
	bc, err := s.Store.GetBackupCode(ctx, u.ID, code[:backupIDLen])
	if errors.Is(err, account.ErrNotFound) {
		s.Hasher.VerifyDummy(code) // same cost as a wrong code
		return nil, s.refuse(ctx, u.ID, "unknown backup code")
	}
	if err != nil {
		return nil, account.Internal(err)
	}
	err = s.Hasher.Verify(code, bc.Hash)
	if errors.Is(err, password.ErrMismatch) {
		return nil, s.refuse(ctx, u.ID, "wrong backup code")
	}
	if err != nil {
		return nil, account.Internal(err)
	}
	return &bc, nil
}

// consumeBackupCode spends a verified backup code with a delete
// conditioned on its hash: a code another request spent meanwhile (on
// another challenge) is refused, and the claimed challenge stays used.
func (s *Service) consumeBackupCode(ctx context.Context, u account.User, bc BackupCode) error {
	err := s.Store.ConsumeBackupCode(ctx, u.ID, bc)
	if errors.Is(err, account.ErrNotFound) {
		return s.refuse(ctx, u.ID, "backup code used concurrently")
	}
	if err != nil {
		return account.Internal(err)
	}
	return nil
}

// refuse answers mfa_invalid. The failure stays counted: the attempt was
// taken (takeAttempt) before anything was checked.
func (s *Service) refuse(ctx context.Context, uid, why string) error {
	s.Log.InfoContext(ctx, "second factor refused", "userId", uid, "reason", why)
	metrics.Inc(ctx, s.Metrics, metrics.SignInFailures, map[string]string{"step": "second_factor"})
	return errMFA()
}

// takeAttempt counts a second-factor attempt against the user before it
// is checked: 429 rate_limited when over the limit, so parallel guesses
// get at most Failures.Max real checks, and while the factors are locked
// (lockout.go). The lock is read while the attempt is taken (one round
// trip); a locked user's attempt is given back. struck reports strikes on
// record, for settleAttempt to clear after a success.
func (s *Service) takeAttempt(ctx context.Context, uid string) (struck bool, err error) {
	now := s.Now().UTC()
	var (
		l                Lock
		lockErr, takeErr error
	)
	together(
		func() { l, lockErr = s.Store.GetLock(ctx, uid) },
		func() { takeErr = limitedMFA(s.Failures.Take(ctx, failKey(uid))) },
	)
	if lockErr == nil {
		lockErr = lockedErr(l, now)
	} else {
		lockErr = account.Internal(lockErr)
	}
	if lockErr != nil {
		if takeErr == nil {
			s.release(ctx, uid)
		}
		return false, lockErr
	}
	if takeErr != nil {
		return false, takeErr
	}
	return l.Strikes > 0, nil
}

// settleAttempt gives back the attempt taken by takeAttempt unless the
// answer err is a refusal (ErrRefused): only wrong factors accumulate. A
// refusal that runs out the window locks the factors (strike); a success
// clears the lock's strikes (struck: there are some on record).
func (s *Service) settleAttempt(ctx context.Context, uid string, struck bool, err error) {
	if errors.Is(err, ErrRefused) {
		s.strike(ctx, uid)
		return
	}
	together(
		func() { s.release(ctx, uid) },
		func() {
			if err == nil && struck {
				s.unlock(ctx, uid)
			}
		},
	)
}

// release gives back an attempt taken by takeAttempt.
func (s *Service) release(ctx context.Context, uid string) {
	if err := s.Failures.Release(ctx, failKey(uid)); err != nil {
		s.Log.ErrorContext(ctx, "release second-factor attempt", "error", err.Error())
	}
}

// liveChallenge reads the challenge a step that does not answer it yet
// names (sending the SMS code, beginning the passkey assertion): it must
// be unused, unexpired, under its attempt limit, bound to the client src
// and offer method. It counts no attempt.
func (s *Service) liveChallenge(ctx context.Context, src request.Source, challengeID, method string, now time.Time) (Challenge, error) {
	if !validChallengeID(challengeID) {
		return Challenge{}, account.Invalid("challengeId", "must be the challengeId returned by POST /v1/auth/login")
	}
	c, err := s.Store.GetChallenge(ctx, challengeID)
	if errors.Is(err, account.ErrNotFound) {
		return Challenge{}, errMFA()
	}
	if err != nil {
		return Challenge{}, account.Internal(err)
	}
	if c.Used || !now.Before(c.ExpiresAt) || c.Attempts >= ChallengeMaxAttempts ||
		c.IP != src.IP || c.UserAgent != src.UserAgent || !slices.Contains(c.Methods, method) {
		return Challenge{}, errMFA()
	}
	return c, nil
}

// SendSMSCode texts a new sign-in code for the challenge made for the
// client src to the user's verified phone and returns when it expires. At
// most SMSMaxSends codes per challenge, and what the SMS guard admits
// (per network, per account, per number, the daily budget:
// ErrTooManyAttempts, 429 rate_limited); a phone that is not a mobile of
// an allowed country is ErrPhoneNotServed (400 naming "phone"); ErrRefused
// when the challenge is not live or the user has no SMS factor.
func (s *Service) SendSMSCode(ctx context.Context, src request.Source, challengeID string) (time.Time, error) {
	now := s.Now().UTC()
	c, err := s.liveChallenge(ctx, src, challengeID, MethodSMS, now)
	if err != nil {
		return time.Time{}, err
	}
	if c.SMSSends >= SMSMaxSends {
		return time.Time{}, errTooManySMS()
	}
	u, err := s.Users.GetUser(ctx, c.UserID)
	if err != nil {
		return time.Time{}, account.Internal(err)
	}
	if !hasMethod(u, MethodSMS) || u.Phone == "" || !u.PhoneVerified {
		return time.Time{}, errMFA()
	}
	// No code is texted while the second factors are locked.
	if err := s.checkLock(ctx, u.ID, now); err != nil {
		return time.Time{}, err
	}
	release, err := s.SMS.Take(ctx, u.ID, src.IP, phone.Stored(u))
	if err != nil {
		return time.Time{}, smsRefused(err)
	}
	sent := false
	defer func() {
		if !sent {
			release(context.WithoutCancel(ctx))
		}
	}()
	code, err := randomDigits(6)
	if err != nil {
		return time.Time{}, account.Internal(err)
	}
	exp := now.Add(SMSCodeTTL)
	hash, err := s.smsHash(ctx, c.ID, code)
	if err != nil {
		return time.Time{}, account.Internal(err)
	}
	err = s.Store.SetChallengeSMS(ctx, c.ID, hash, exp, now, SMSMaxSends)
	if errors.Is(err, ErrVoid) {
		return time.Time{}, errTooManySMS()
	}
	if err != nil {
		return time.Time{}, account.Internal(err)
	}
	d := s.data(u, MethodSMS)
	d.Code = code
	if err := s.textCode(ctx, u, smsSignIn, d, "sign-in sms sent"); err != nil {
		return time.Time{}, err
	}
	sent = true
	return exp, nil
}

// textCode texts the code message t, rendered with d in u's language, to
// u's phone, then logs what (never the code) and counts a code sent.
func (s *Service) textCode(ctx context.Context, u account.User, t notify.Template, d noticeData, what string) error {
	msg, err := t.Render(u.Language, d)
	if err != nil {
		return account.Internal(err)
	}
	if err := s.Texter.SendSMS(ctx, u.Phone, msg.Text); err != nil {
		return &account.Error{Code: account.CodeUnavailable, Detail: "The text message could not be sent; try again shortly.", Cause: err, RetryAfter: 5 * time.Second}
	}
	s.Log.InfoContext(ctx, what, "userId", u.ID)
	metrics.Inc(ctx, s.Metrics, metrics.CodesSent, map[string]string{"channel": "sms"})
	return nil
}

// smsHash is HMAC-SHA256 under the data key over the challenge and the
// code: a 6-digit code is never stored, and its hash is useless without
// the key.
func (s *Service) smsHash(ctx context.Context, challengeID, code string) (string, error) {
	return s.Sealer.MAC(ctx, "sms-code\x00"+challengeID+"\x00"+code)
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func randomDigits(n int) (string, error) {
	max := big.NewInt(1)
	for i := 0; i < n; i++ {
		max.Mul(max, big.NewInt(10))
	}
	x, err := rand.Int(rand.Reader, max)
	if err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return fmt.Sprintf("%0*d", n, x), nil
}
