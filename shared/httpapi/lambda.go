package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/myprofile/shared/account"
)

// LambdaAdapter turns API Gateway v2 (HTTP API, payload format 2.0) events
// into net/http requests, so the same handler serves Lambda, the local
// gateway and the tests' servers.
type LambdaAdapter struct {
	Handler http.Handler
	// Log gets the access-log line of an event that is not a request (the
	// handler's middleware logs the others); nil means slog.Default().
	Log *slog.Logger
}

// Invoke serves one API Gateway event.
func (a LambdaAdapter) Invoke(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	req, err := RequestFromEvent(ctx, ev)
	if err != nil {
		// A malformed event is the caller's fault: answer 400, never crash,
		// with a request id and an access-log line like any request.
		id := ev.RequestContext.RequestID
		if id == "" {
			id = newRequestID()
		}
		rec := newRecorder()
		rec.Header().Set("X-Request-Id", id)
		WriteError(rec, nil, account.Errorf(account.CodeValidation, "The request could not be read."))
		log := a.Log
		if log == nil {
			log = slog.Default()
		}
		log.WarnContext(ctx, "request", "requestId", id, "method", ev.RequestContext.HTTP.Method,
			"status", rec.code(), "code", account.CodeValidation, "error", err.Error())
		return responseFromRecorder(rec), nil
	}
	rec := newRecorder()
	a.Handler.ServeHTTP(rec, req)
	return responseFromRecorder(rec), nil
}

// RequestFromEvent builds the *http.Request an API Gateway v2 event describes.
// The client IP and user agent come from the event's request context; the
// API Gateway request id becomes the request id.
func RequestFromEvent(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	method := ev.RequestContext.HTTP.Method
	if method == "" {
		return nil, fmt.Errorf("event has no HTTP method")
	}
	path := ev.RawPath
	if path == "" {
		path = ev.RequestContext.HTTP.Path
	}
	if path == "" || path[0] != '/' {
		return nil, fmt.Errorf("event has no valid path")
	}
	u := &url.URL{Path: path, RawQuery: ev.RawQueryString}
	if p, err := url.PathUnescape(path); err == nil {
		u.Path, u.RawPath = p, path
	}
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, fmt.Errorf("decode base64 body: %w", err)
		}
		body = b
	}
	if id := ev.RequestContext.RequestID; id != "" {
		ctx = WithRequestID(ctx, id)
	}
	ctx = WithSource(ctx, Source{IP: ev.RequestContext.HTTP.SourceIP, UserAgent: ev.RequestContext.HTTP.UserAgent})
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	// The event's path and query as they came, not re-parsed from a string:
	// a raw query holding '#' would otherwise be cut as a fragment.
	req.URL = u
	for k, v := range ev.Headers {
		// HTTP API joins repeated headers with commas already.
		req.Header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	req.Host = ev.RequestContext.DomainName
	if ev.RequestContext.HTTP.SourceIP != "" {
		req.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	}
	req.RequestURI = u.RequestURI()
	return req, nil
}

// recorder is the http.ResponseWriter an invocation is served into, as
// net/http/httptest's ResponseRecorder records (which production code does
// not link: httptest registers a command-line flag and a test certificate
// when a program starts). The status is 200 unless written first; the
// first write without a Content-Type sniffs one, as a net/http server
// does; a status that allows no body (1xx, 204, 304) refuses the body.
type recorder struct {
	header http.Header
	status int // 0 until written
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status != 0 {
		return
	}
	if code < 100 || code > 999 { // net/http panics; an invocation answers 500
		code = http.StatusInternalServerError
	}
	r.status = code
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		if _, typed := r.header["Content-Type"]; !typed && r.header.Get("Transfer-Encoding") == "" {
			r.header.Set("Content-Type", http.DetectContentType(p))
		}
		r.WriteHeader(http.StatusOK)
	}
	if r.status < 200 || r.status == http.StatusNoContent || r.status == http.StatusNotModified {
		return 0, http.ErrBodyNotAllowed
	}
	return r.body.Write(p)
}

// code is the status written, 200 when none was.
func (r *recorder) code() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

func responseFromRecorder(rec *recorder) events.APIGatewayV2HTTPResponse {
	res := events.APIGatewayV2HTTPResponse{StatusCode: rec.code(), Headers: map[string]string{}}
	for k, vs := range rec.Header() {
		if http.CanonicalHeaderKey(k) == "Set-Cookie" {
			res.Cookies = append(res.Cookies, vs...)
			continue
		}
		res.Headers[k] = strings.Join(vs, ", ")
	}
	body := rec.body.Bytes()
	ct := rec.Header().Get("Content-Type")
	if utf8.Valid(body) && (ct == "" || strings.Contains(ct, "json") || strings.HasPrefix(ct, "text/") || strings.Contains(ct, "yaml")) {
		res.Body = string(body)
	} else {
		res.Body = base64.StdEncoding.EncodeToString(body)
		res.IsBase64Encoded = true
	}
	return res
}
