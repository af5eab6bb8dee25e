package account

import (
	"errors"
	"fmt"
	"time"
)

// Stable, machine-readable error codes of the API contract (API.md). The
// HTTP status of each is decided in one place, shared/httpapi.
const (
	CodeValidation       = "validation_failed"
	CodeUnauthenticated  = "unauthenticated"
	CodeInvalidCreds     = "invalid_credentials"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeConflict         = "conflict"
	CodeEmailTaken       = "email_taken"
	CodeSSOManaged       = "sso_managed"
	CodeSoleOwner        = "sole_owner"
	CodePrecondition     = "precondition_failed"
	CodePreconditionReq  = "precondition_required"
	CodeTooLarge         = "payload_too_large"
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeCodeInvalid      = "code_invalid"
	CodeCodeExpired      = "code_expired"
	// CodeInvitationVoid: the invitation's inviter may no longer make it
	// (demoted, removed or deleted); 410.
	CodeInvitationVoid  = "invitation_void"
	CodeTooManyAttempts = "too_many_attempts"
	CodeRateLimited     = "rate_limited"
	CodeMFAInvalid      = "mfa_invalid"
	CodeUnavailable     = "service_unavailable"
	CodeInternal        = "internal"
)

// FieldError names one invalid field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the application error: a stable code, a public detail safe to
// show to the caller, and an internal cause that only reaches the log.
type Error struct {
	Code       string
	Detail     string
	Fields     []FieldError
	Extra      map[string]any // extra public members of the problem (e.g. idpUrl)
	RetryAfter time.Duration  // sets Retry-After on 429/503
	Cause      error          // logged, never sent
}

func (e *Error) Error() string {
	msg := e.Code
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf returns an *Error with a public detail.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// Invalid returns a validation error naming one field.
func Invalid(field, message string) *Error {
	return &Error{Code: CodeValidation, Detail: "The request has invalid fields.", Fields: []FieldError{{Field: field, Message: message}}}
}

// Validation collects field errors; its Err is nil when there are none.
type Validation struct{ Fields []FieldError }

// Add records a problem with a field.
func (v *Validation) Add(field, message string) {
	v.Fields = append(v.Fields, FieldError{field, message})
}

// Check cleans value with clean, which returns the cleaned value or a
// message; a message is recorded under field. It returns the cleaned value.
func (v *Validation) Check(field, value string, clean func(string) (string, string)) string {
	c, msg := clean(value)
	if msg != "" {
		v.Add(field, msg)
	}
	return c
}

// Err returns the collected problems as one validation error, or nil.
func (v *Validation) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return &Error{Code: CodeValidation, Detail: "The request has invalid fields.", Fields: v.Fields}
}

// Internal wraps an unexpected error: the caller sees a generic 500, the
// log sees the cause.
func Internal(cause error) *Error { return &Error{Code: CodeInternal, Cause: cause} }

// AsError converts any error into an *Error: unknown errors become internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}
