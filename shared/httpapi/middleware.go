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
)

type ctxKey int

const (
	infoKey ctxKey = iota
	requestIDKey
	sourceKey
)

// requestInfo is filled while a request is served and read by the access
// log. It belongs to one request only.
type requestInfo struct {
	id     string
	userID string
	err    *Error
}

func info(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(infoKey).(*requestInfo)
	return ri
}

// SetUserID records the authenticated user for the access log.
func SetUserID(ctx context.Context, id string) {
	if ri := info(ctx); ri != nil {
		ri.userID = id
	}
}

func recordError(ctx context.Context, e *Error) {
	if ri := info(ctx); ri != nil {
		ri.err = e
	}
}

// RequestID returns the request's id ("" outside a request).
func RequestID(ctx context.Context) string {
	if ri := info(ctx); ri != nil {
		return ri.id
	}
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// WithRequestID gives a context the request id assigned upstream (the API
// Gateway request id); the middleware uses it instead of making one.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// Source is where a request came from, as API Gateway or the socket saw it.
type Source struct {
	IP        string
	UserAgent string
}

// WithSource records the client's address and user agent (the Lambda
// adapter takes them from the event's request context).
func WithSource(ctx context.Context, s Source) context.Context {
	return context.WithValue(ctx, sourceKey, s)
}

// ClientSource returns the caller's IP and user agent.
func ClientSource(r *http.Request) Source {
	if s, ok := r.Context().Value(sourceKey).(Source); ok {
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
		id, _ := r.Context().Value(requestIDKey).(string)
		if id == "" {
			id = newRequestID()
		}
		ri := &requestInfo{id: id}
		r = r.WithContext(context.WithValue(r.Context(), infoKey, ri))
		w.Header().Set("X-Request-Id", id)
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				log.ErrorContext(r.Context(), "panic", "requestId", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if rec.status == 0 {
					WriteError(rec, r, Internal(fmt.Errorf("panic: %v", p)))
				}
			}
			attrs := []any{
				"requestId", id, "method", r.Method, "route", r.Pattern, "status", rec.status,
				"latencyMs", float64(time.Since(start).Microseconds()) / 1000,
			}
			if ri.userID != "" {
				attrs = append(attrs, "userId", ri.userID)
			}
			level := slog.LevelInfo
			if ri.err != nil {
				attrs = append(attrs, "code", ri.err.Code)
				if ri.err.Cause != nil {
					attrs = append(attrs, "error", ri.err.Cause.Error())
				}
				if Status(ri.err.Code) >= 500 {
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
		return Errorf(CodeNotFound, "No route for %s %s.", r.Method, r.URL.Path)
	}))
	return mux
}
