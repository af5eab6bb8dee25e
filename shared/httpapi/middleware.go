package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/request"
)

// SetUserID records the authenticated user for the access log.
func SetUserID(ctx context.Context, id string) { request.SetUserID(ctx, id) }

// RequestID returns the request's id ("" outside a request).
func RequestID(ctx context.Context) string { return request.ID(ctx) }

// WithRequestID gives a context the request id assigned upstream (the API
// Gateway request id); the middleware uses it instead of making one.
func WithRequestID(ctx context.Context, id string) context.Context { return request.WithID(ctx, id) }

// Source is where a request came from, as API Gateway or the socket saw it.
type Source = request.Source

// WithSource records the client's address and user agent (the Lambda
// adapter takes them from the event's request context).
func WithSource(ctx context.Context, s Source) context.Context { return request.WithSource(ctx, s) }

// ClientSource returns the caller's IP and user agent: those the Lambda
// adapter recorded, else the socket's.
func ClientSource(r *http.Request) Source {
	if s, ok := request.SourceOf(r.Context()); ok {
		return s
	}
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ip = host
	}
	return Source{IP: ip, UserAgent: r.UserAgent()}
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusRecorder remembers the status written.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Middleware wraps a handler with what every request gets: a request id
// (X-Request-Id on the response), panic recovery to a 500 `internal`, and
// one JSON access-log line (method, route, status, latency, request id, user
// id; never bodies, headers, tokens or passwords).
func Middleware(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := request.Upstream(r.Context())
		if id == "" {
			id = newRequestID()
		}
		ri := &request.Info{ID: id}
		ctx := request.WithInfo(r.Context(), ri)
		if _, ok := request.SourceOf(ctx); !ok {
			ctx = request.WithSource(ctx, ClientSource(r))
		}
		r = r.WithContext(ctx)
		w.Header().Set("X-Request-Id", id)
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				log.ErrorContext(r.Context(), "panic", "requestId", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if rec.status == 0 {
					WriteError(rec, r, account.Internal(fmt.Errorf("panic: %v", p)))
				}
			}
			attrs := []any{
				"requestId", id, "method", r.Method, "route", r.Pattern, "status", rec.status,
				"latencyMs", float64(time.Since(start).Microseconds()) / 1000,
			}
			if ri.UserID != "" {
				attrs = append(attrs, "userId", ri.UserID)
			}
			level := slog.LevelInfo
			if ri.Err != nil {
				attrs = append(attrs, "code", ri.Err.Code)
				if ri.Err.Cause != nil {
					attrs = append(attrs, "error", ri.Err.Cause.Error())
				}
				if Status(ri.Err.Code) >= 500 {
					level = slog.LevelError
				}
			}
			log.Log(r.Context(), level, "request", attrs...)
		}()
		next.ServeHTTP(rec, r)
	})
}

// HandlerFunc is an HTTP handler that may fail; the error is written as a
// problem by Handle.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handle adapts a HandlerFunc to http.Handler.
func Handle(f HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			WriteError(w, r, err)
		}
	})
}

// Routes maps "METHOD /pattern" to a handler.
type Routes map[string]http.Handler

// Mux builds a ServeMux from routes; unknown paths get a problem+json 404
// and known paths with another method a 405.
func (rs Routes) Mux() *http.ServeMux {
	mux := http.NewServeMux()
	for pattern, h := range rs {
		mux.Handle(pattern, h)
	}
	mux.Handle("/", Handle(func(w http.ResponseWriter, r *http.Request) error {
		return account.Errorf(account.CodeNotFound, "No route for %s %s.", r.Method, r.URL.Path)
	}))
	return mux
}
