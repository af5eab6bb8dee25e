package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/request"
)

// statusByCode is the one table from error code to HTTP status.
var statusByCode = map[string]int{
	account.CodeValidation:       http.StatusBadRequest,
	account.CodeUnauthenticated:  http.StatusUnauthorized,
	account.CodeInvalidCreds:     http.StatusUnauthorized,
	account.CodeForbidden:        http.StatusForbidden,
	account.CodeNotFound:         http.StatusNotFound,
	account.CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	account.CodeConflict:         http.StatusConflict,
	account.CodeEmailTaken:       http.StatusConflict,
	account.CodeSSOManaged:       http.StatusConflict,
	account.CodeSoleOwner:        http.StatusConflict,
	account.CodePrecondition:     http.StatusPreconditionFailed,
	account.CodePreconditionReq:  http.StatusPreconditionRequired,
	account.CodeTooLarge:         http.StatusRequestEntityTooLarge,
	account.CodeUnsupportedMedia: http.StatusUnsupportedMediaType,
	account.CodeCodeInvalid:      http.StatusBadRequest,
	account.CodeCodeExpired:      http.StatusBadRequest,
	account.CodeInvitationVoid:   http.StatusGone,
	account.CodeTooManyAttempts:  http.StatusTooManyRequests,
	account.CodeRateLimited:      http.StatusTooManyRequests,
	account.CodeMFAInvalid:       http.StatusUnauthorized,
	account.CodeUnavailable:      http.StatusServiceUnavailable,
	account.CodeInternal:         http.StatusInternalServerError,
}

// titles are the short, human-readable problem titles.
var titles = map[string]string{
	account.CodeValidation:       "The request is not valid",
	account.CodeUnauthenticated:  "Authentication required",
	account.CodeInvalidCreds:     "Invalid credentials",
	account.CodeForbidden:        "Not allowed",
	account.CodeNotFound:         "Not found",
	account.CodeMethodNotAllowed: "Method not allowed",
	account.CodeConflict:         "Conflict",
	account.CodeEmailTaken:       "Email address already in use",
	account.CodeSSOManaged:       "Managed by your identity provider",
	account.CodeSoleOwner:        "Sole owner",
	account.CodePrecondition:     "Precondition failed",
	account.CodePreconditionReq:  "Precondition required",
	account.CodeTooLarge:         "Payload too large",
	account.CodeUnsupportedMedia: "Unsupported media type",
	account.CodeCodeInvalid:      "Invalid code",
	account.CodeCodeExpired:      "Code expired",
	account.CodeInvitationVoid:   "Invitation no longer valid",
	account.CodeTooManyAttempts:  "Too many attempts",
	account.CodeRateLimited:      "Too many requests",
	account.CodeMFAInvalid:       "Invalid second factor",
	account.CodeUnavailable:      "Service temporarily unavailable",
	account.CodeInternal:         "Internal error",
}

// Status returns the HTTP status of an error code (500 for unknown codes).
func Status(code string) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Problem is the RFC 9457 body.
type Problem struct {
	Type   string               `json:"type"`
	Title  string               `json:"title"`
	Status int                  `json:"status"`
	Detail string               `json:"detail,omitempty"`
	Code   string               `json:"code"`
	Errors []account.FieldError `json:"errors,omitempty"`
}

// WriteError writes err as application/problem+json. account.Internal errors get a
// generic message; their cause is for the log only.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := account.AsError(err)
	status := Status(e.Code)
	detail := e.Detail
	if status >= 500 && e.Code == account.CodeInternal {
		detail = "Something went wrong on our side. Quote the request id if you contact support."
	}
	body := map[string]any{
		"type":   ProblemType(r, e.Code),
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
		request.RecordError(r.Context(), e)
	}
	writeJSON(w, status, "application/problem+json", body)
}

type problemBaseKey struct{}

// ProblemDocs makes the problem `type` URIs of the requests next serves
// start with base (config PROBLEM_DOCS_URL, e.g.
// "https://docs.example.com/problems/"); empty keeps the default.
func ProblemDocs(base string, next http.Handler) http.Handler {
	if base == "" {
		return next
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), problemBaseKey{}, base)))
	})
}

// ProblemType is the `type` URI of a problem with code: the configured
// base (ProblemDocs) + code, or by default the relative reference
// /problems/<code>, which a client resolves against the API's own address
// (RFC 9457 3.1.1 allows a relative URI reference). Relative, the answer
// is the same behind API Gateway, CloudFront and the local gateway.
func ProblemType(r *http.Request, code string) string {
	if r != nil {
		if base, ok := r.Context().Value(problemBaseKey{}).(string); ok {
			return base + code
		}
	}
	return "/problems/" + code
}

// Codes returns every error code of the table, sorted.
func Codes() []string {
	out := make([]string, 0, len(statusByCode))
	for c := range statusByCode {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Title is the short title of a code's problem.
func Title(code string) string { return titles[code] }
