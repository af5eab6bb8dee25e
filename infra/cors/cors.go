// Package cors holds the API's CORS rules, read by the stack (the HTTP
// API's CorsPreflight, infra/resources.go) and by the local gateway, which
// answers browsers as API Gateway does with them (Handler), so a front end
// that works against `make run` works against the deployed API.
package cors

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The rules besides the origins (context corsOrigins). Bearer tokens, no
// cookies: credentials are never allowed.
var (
	AllowMethods  = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	AllowHeaders  = []string{"authorization", "content-type", "if-match", "x-organization-id"}
	ExposeHeaders = []string{"etag", "x-request-id", "retry-after"}
	MaxAge        = time.Hour
)

// ContextKey is the CDK context key of the allowed origins.
const ContextKey = "corsOrigins"

// List reads a list context value as the stack does: a JSON array (from
// cdk.json) or a comma-separated string (from -c); empty entries dropped.
func List(v any) ([]string, error) {
	var raw []string
	switch x := v.(type) {
	case nil:
	case string:
		raw = strings.Split(x, ",")
	case []any:
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%v (%T) is not a string", e, e)
			}
			raw = append(raw, s)
		}
	default:
		return nil, fmt.Errorf("%v (%T) is not a list or a comma-separated string", v, v)
	}
	var out []string
	for _, s := range raw {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// OriginsFromCDKJSON reads context corsOrigins from a cdk.json file.
func OriginsFromCDKJSON(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var f struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	o, err := List(f.Context[ContextKey])
	if err != nil {
		return nil, fmt.Errorf("%s context %s: %w", path, ContextKey, err)
	}
	return o, nil
}

// Handler answers CORS as an HTTP API with CorsPreflight does: with no
// origins, next answers everything (OPTIONS included). Otherwise a
// preflight (OPTIONS with Origin and Access-Control-Request-Method) is
// answered 204 by the gateway itself, with the allow headers when the
// origin is listed and the method allowed, without them otherwise; other
// requests from a listed origin get Access-Control-Allow-Origin and
// Access-Control-Expose-Headers added.
func Handler(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allowed := origin != "" && slices.Contains(origins, origin)
		if r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			h := w.Header()
			if allowed && slices.Contains(AllowMethods, strings.ToUpper(r.Header.Get("Access-Control-Request-Method"))) {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Methods", strings.Join(AllowMethods, ","))
				h.Set("Access-Control-Allow-Headers", strings.Join(AllowHeaders, ","))
				h.Set("Access-Control-Max-Age", strconv.Itoa(int(MaxAge.Seconds())))
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if allowed {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Expose-Headers", strings.Join(ExposeHeaders, ","))
			w.Header().Add("Vary", "Origin")
		}
		next.ServeHTTP(w, r)
	})
}
