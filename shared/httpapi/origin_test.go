package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/request"
)

func TestOriginGuard(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef-origin"
	// The handler behind the guard echoes the client IP it sees.
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(request.Client(r.Context()).IP))
	})
	for _, tc := range []struct {
		name     string
		secret   string // the deployment's; "" = no front door
		header   map[string]string
		wantCode int
		wantIP   string
	}{
		{"no front door: every request passes", "", nil, 200, "192.0.2.9"},
		{"header absent is refused", secret, nil, 403, ""},
		{"wrong value is refused", secret, map[string]string{httpapi.OriginVerifyHeader: "guess"}, 403, ""},
		{"value with a suffix is refused", secret, map[string]string{httpapi.OriginVerifyHeader: secret + "x"}, 403, ""},
		{"right value passes", secret, map[string]string{httpapi.OriginVerifyHeader: secret}, 200, "192.0.2.9"},
		{"viewer IPv4 from CloudFront", secret, map[string]string{httpapi.OriginVerifyHeader: secret, httpapi.ViewerAddressHeader: "198.51.100.7:46532"}, 200, "198.51.100.7"},
		{"viewer IPv6 from CloudFront", secret, map[string]string{httpapi.OriginVerifyHeader: secret, httpapi.ViewerAddressHeader: "2001:db8::1:443"}, 200, "2001:db8::1"},
		{"bad viewer address keeps the source", secret, map[string]string{httpapi.OriginVerifyHeader: secret, httpapi.ViewerAddressHeader: "nonsense"}, 200, "192.0.2.9"},
		{"viewer address without the secret is not trusted", secret, map[string]string{httpapi.ViewerAddressHeader: "198.51.100.7:1"}, 403, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := httpapi.Middleware(slog.New(slog.NewJSONHandler(io.Discard, nil)), httpapi.OriginGuard(tc.secret, echo))
			req := httptest.NewRequest("GET", "/v1/me", nil)
			req.RemoteAddr = "192.0.2.9:1234"
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantCode {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.wantCode, rec.Body)
			}
			body := rec.Body.String()
			if tc.wantCode == 403 {
				if !strings.Contains(body, `"forbidden"`) || strings.Contains(body, secret) {
					t.Errorf("403 body %s: want code forbidden and no secret", body)
				}
				return
			}
			if body != tc.wantIP {
				t.Errorf("client IP %q, want %q", body, tc.wantIP)
			}
		})
	}
}
