package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/request"
)

// OriginVerifyHeader is the header the front door (CloudFront) adds to
// every request it forwards to the API, holding the deployment's origin
// secret (ORIGIN_VERIFY_SECRET).
const OriginVerifyHeader = "X-Origin-Verify"

// ViewerAddressHeader is where CloudFront puts the viewer's "ip:port".
const ViewerAddressHeader = "CloudFront-Viewer-Address"

// OriginGuard refuses with 403 `forbidden` every request that does not
// carry OriginVerifyHeader with secret, so the API answers only requests
// that went through the front door and its web ACL (a direct call to the
// execute-api endpoint skips the WAF). The comparison takes the same time
// whatever the value sent. A request that passes gets the client IP
// CloudFront saw (ViewerAddressHeader): API Gateway's source IP is then the
// edge's, and the per-IP limits must count viewers, not edges. An empty
// secret turns the guard off (no front door).
func OriginGuard(secret string, next http.Handler) http.Handler {
	if secret == "" {
		return next
	}
	want := sha256.Sum256([]byte(secret))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get(OriginVerifyHeader)))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			WriteError(w, r, account.Errorf(account.CodeForbidden, "Requests must go through the API's public address."))
			return
		}
		if ip, ok := viewerIP(r.Header.Get(ViewerAddressHeader)); ok {
			src := ClientSource(r)
			src.IP = ip
			r = r.WithContext(request.WithSource(r.Context(), src))
		}
		next.ServeHTTP(w, r)
	})
}

// viewerIP reads CloudFront-Viewer-Address: "192.0.2.1:46532" or, for
// IPv6, "2001:db8::1:46532" (no brackets): the port follows the last colon.
func viewerIP(v string) (string, bool) {
	i := strings.LastIndexByte(v, ':')
	if i <= 0 {
		return "", false
	}
	ip := net.ParseIP(v[:i])
	if ip == nil {
		return "", false
	}
	return ip.String(), true
}
