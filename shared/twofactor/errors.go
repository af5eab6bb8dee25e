package twofactor

import (
	"errors"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/phone"
	"github.com/example/myprofile/shared/ratelimit"
)

// Refusals the rules decide on. The errors the Service returns for them
// match these with errors.Is and carry the public *account.Error the
// caller is answered with (errors.As, account.AsError).
var (
	// ErrCodeInvalid: a code (or passkey response) offered to set up a
	// factor does not match. Only these count against the confirmation
	// limit. Public code: code_invalid.
	ErrCodeInvalid = errors.New("twofactor: code not correct")
	// ErrRefused: the second step of a sign-in was refused (wrong or
	// replayed code, void challenge, factor gone). One answer whatever
	// failed, so a caller learns nothing but "no"; only these count
	// against the user's second-factor limit. Public code: mfa_invalid.
	ErrRefused = errors.New("twofactor: second factor refused")
	// ErrTooManyAttempts: a limit refused the attempt before anything was
	// checked (wrong codes, codes sent, text messages per network).
	// Public code: too_many_attempts or rate_limited, with Retry-After.
	ErrTooManyAttempts = errors.New("twofactor: too many attempts")
	// ErrPhoneNotServed: the user's phone is not one codes are texted to
	// (not a mobile number, or its country is not allowed). Public code:
	// validation_failed naming "phone".
	ErrPhoneNotServed = errors.New("twofactor: no text messages to this phone")
)

// ruleError is a refusal: errors.Is matches its sentinel, errors.As finds
// the public error it is answered with.
type ruleError struct {
	sentinel error
	public   *account.Error
}

func (e *ruleError) Error() string   { return e.sentinel.Error() + ": " + e.public.Error() }
func (e *ruleError) Unwrap() []error { return []error{e.sentinel, e.public} }

func refusal(sentinel error, public *account.Error) error {
	return &ruleError{sentinel: sentinel, public: public}
}

// errMFA is every refusal of the second step (ErrRefused).
func errMFA() error {
	return refusal(ErrRefused, account.Errorf(account.CodeMFAInvalid, "The code is not correct, or this sign-in expired; after 5 wrong codes sign in again."))
}

// errConfirmCode is a wrong code confirming an authenticator (ErrCodeInvalid).
func errConfirmCode() error {
	return refusal(ErrCodeInvalid, account.Errorf(account.CodeCodeInvalid, "The code is not correct; check your app's clock and try the current code."))
}

// errTooManySMS refuses another SMS code for one sign-in.
func errTooManySMS() error {
	return refusal(ErrTooManyAttempts, account.Errorf(account.CodeTooManyAttempts, "Too many codes sent for this sign-in; sign in again."))
}

// limited turns a limiter's answer into the public refusal (code, detail,
// Retry-After) matching ErrTooManyAttempts; nil stays nil and any other
// error is internal.
func limited(err error, code, detail string) error {
	if err == nil {
		return nil
	}
	var l *ratelimit.Limited
	if errors.As(err, &l) {
		return refusal(ErrTooManyAttempts, &account.Error{Code: code, Detail: detail, RetryAfter: l.RetryAfter})
	}
	return account.Internal(err)
}

// tooManyCodes is the confirmation limit's refusal: 429 too_many_attempts.
func tooManyCodes(err error) error {
	return limited(err, account.CodeTooManyAttempts, "Too many wrong codes; try again later.")
}

// limitedMFA is the per-user second-factor limit's refusal: 429 rate_limited.
func limitedMFA(err error) error {
	return limited(err, account.CodeRateLimited, "Too many wrong second-factor codes; try again later.")
}

// smsRefused is the SMS guard's refusal: 429 rate_limited with
// Retry-After (ErrTooManyAttempts) for a limit, 400 naming "phone"
// (ErrPhoneNotServed) for a number no code is texted to.
func smsRefused(err error) error {
	pub := phone.SMSProblem(err, "phone")
	switch pub.Code {
	case account.CodeRateLimited:
		return refusal(ErrTooManyAttempts, pub)
	case account.CodeValidation:
		return refusal(ErrPhoneNotServed, pub)
	}
	return pub
}
