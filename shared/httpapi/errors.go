// Package httpapi holds what every HTTP capability shares: the problem+json
// error type and writer, strict JSON decoding, the request middleware
// (request id, access log, panic recovery) and the adapter from API Gateway
// v2 HTTP events to net/http.
package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Stable, machine-readable error codes of the API contract (API.md).
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
	CodeTooManyAttempts  = "too_many_attempts"
	CodeRateLimited      = "rate_limited"
	CodeMFAInvalid       = "mfa_invalid"
	CodeUnavailable      = "service_unavailable"
	CodeInternal         = "internal"
)

// statusByCode is the one table from error code to HTTP status.
var statusByCode = map[string]int{
	CodeValidation:       http.StatusBadRequest,
	CodeUnauthenticated:  http.StatusUnauthorized,
	CodeInvalidCreds:     http.StatusUnauthorized,
	CodeForbidden:        http.StatusForbidden,
	CodeNotFound:         http.StatusNotFound,
	CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	CodeConflict:         http.StatusConflict,
	CodeEmailTaken:       http.StatusConflict,
	CodeSSOManaged:       http.StatusConflict,
	CodeSoleOwner:        http.StatusConflict,
	CodePrecondition:     http.StatusPreconditionFailed,
	CodePreconditionReq:  http.StatusPreconditionRequired,
	CodeTooLarge:         http.StatusRequestEntityTooLarge,
	CodeUnsupportedMedia: http.StatusUnsupportedMediaType,
	CodeCodeInvalid:      http.StatusBadRequest,
	CodeCodeExpired:      http.StatusBadRequest,
	CodeTooManyAttempts:  http.StatusTooManyRequests,
	CodeRateLimited:      http.StatusTooManyRequests,
	CodeMFAInvalid:       http.StatusUnauthorized,
	CodeUnavailable:      http.StatusServiceUnavailable,
	CodeInternal:         http.StatusInternalServerError,
}

// titles are the short, human-readable problem titles.
var titles = map[string]string{
	CodeValidation:       "The request is not valid",
	CodeUnauthenticated:  "Authentication required",
	CodeInvalidCreds:     "Invalid credentials",
	CodeForbidden:        "Not allowed",
	CodeNotFound:         "Not found",
	CodeMethodNotAllowed: "Method not allowed",
	CodeConflict:         "Conflict",
	CodeEmailTaken:       "Email address already in use",
	CodeSSOManaged:       "Managed by your identity provider",
	CodeSoleOwner:        "Sole owner",
	CodePrecondition:     "Precondition failed",
	CodePreconditionReq:  "Precondition required",
	CodeTooLarge:         "Payload too large",
	CodeUnsupportedMedia: "Unsupported media type",
	CodeCodeInvalid:      "Invalid code",
	CodeCodeExpired:      "Code expired",
	CodeTooManyAttempts:  "Too many attempts",
	CodeRateLimited:      "Too many requests",
	CodeMFAInvalid:       "Invalid second factor",
	CodeUnavailable:      "Service temporarily unavailable",
	CodeInternal:         "Internal error",
}

// Status returns the HTTP status of an error code (500 for unknown codes).
func Status(code string) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

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

// Problem is the RFC 9457 body.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Code   string       `json:"code"`
	Errors []FieldError `json:"errors,omitempty"`
}

// WriteError writes err as application/problem+json. Internal errors get a
// generic message; their cause is for the log only.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := AsError(err)
	status := Status(e.Code)
	detail := e.Detail
	if status >= 500 && e.Code == CodeInternal {
		detail = "Something went wrong on our side. Quote the request id if you contact support."
	}
	body := map[string]any{
		"type":   "https://docs.myprofile.dev/problems/" + e.Code,
		"title":  titles[e.Code],
		"status": status,
		"code":   e.Code,
	}
	if detail != "" {
		body["detail"] = detail
	}
	if len(e.Fields) > 0 {
		body["errors"] = e.Fields
	}
	for k, v := range e.Extra {
		if _, reserved := body[k]; !reserved {
			body[k] = v
		}
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	if r != nil {
		recordError(r.Context(), e)
	}
	writeJSON(w, status, "application/problem+json", body)
}
