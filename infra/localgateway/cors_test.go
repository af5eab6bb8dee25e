package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/example/myprofile/infra/cors"
	"github.com/example/myprofile/shared/catalog"
)

// The local gateway answers CORS with the stack's configuration: the
// origins of cdk.json's context corsOrigins and the rules the HTTP API's
// CorsPreflight is built from (package cors, used by infra/resources.go).
func TestCORSLikeTheStack(t *testing.T) {
	root := t.TempDir()
	cdk := `{"app": "x", "context": {"corsOrigins": "https://app.example.com, http://localhost:5173"}}`
	if err := os.WriteFile(filepath.Join(root, "cdk.json"), []byte(cdk), 0o644); err != nil {
		t.Fatal(err)
	}
	origins, err := corsOrigins(root, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://app.example.com", "http://localhost:5173"}; !slices.Equal(origins, want) {
		t.Fatalf("origins %v, want %v", origins, want)
	}
	gw, err := newGateway(namedHandlers{}, catalog.All(), "")
	if err != nil {
		t.Fatal(err)
	}
	h := cors.Handler(origins, gw)
	list := func(v string) []string {
		var out []string
		for _, s := range strings.Split(v, ",") {
			out = append(out, strings.ToLower(strings.TrimSpace(s)))
		}
		return out
	}

	t.Run("preflight from a listed origin", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodOptions, "/v1/me", nil)
		r.Header.Set("Origin", "http://localhost:5173")
		r.Header.Set("Access-Control-Request-Method", "PATCH")
		r.Header.Set("Access-Control-Request-Headers", "authorization,content-type,if-match")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		got := w.Result().Header
		if w.Code != http.StatusNoContent || got.Get("Access-Control-Allow-Origin") != "http://localhost:5173" {
			t.Fatalf("%d %v", w.Code, got)
		}
		for _, hd := range []string{"authorization", "content-type", "if-match"} {
			if !slices.Contains(list(got.Get("Access-Control-Allow-Headers")), hd) {
				t.Errorf("allow-headers %q lacks %s", got.Get("Access-Control-Allow-Headers"), hd)
			}
		}
		if !slices.Equal(list(got.Get("Access-Control-Allow-Headers")), cors.AllowHeaders) ||
			!slices.Contains(list(got.Get("Access-Control-Allow-Methods")), "patch") || got.Get("Access-Control-Max-Age") != "3600" ||
			got.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("preflight headers %v", got)
		}
	})
	t.Run("preflight from another origin gets no grant", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodOptions, "/v1/me", nil)
		r.Header.Set("Origin", "https://evil.example")
		r.Header.Set("Access-Control-Request-Method", "GET")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusNoContent || w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%d %v", w.Code, w.Header())
		}
	})
	t.Run("a request from a listed origin sees etag and x-request-id", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/v1/me", nil)
		r.Header.Set("Origin", "https://app.example.com")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		exp := list(w.Header().Get("Access-Control-Expose-Headers"))
		if w.Code != http.StatusOK || w.Header().Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
			!slices.Contains(exp, "etag") || !slices.Contains(exp, "x-request-id") {
			t.Errorf("%d %v", w.Code, w.Header())
		}
	})
	t.Run("CORS_ORIGINS overrides cdk.json", func(t *testing.T) {
		got, err := corsOrigins(root, func(k string) string { return map[string]string{"CORS_ORIGINS": "http://localhost:3000"}[k] })
		if err != nil || !slices.Equal(got, []string{"http://localhost:3000"}) {
			t.Errorf("%v %v", got, err)
		}
	})
	t.Run("the repository's cdk.json is readable", func(t *testing.T) {
		if _, err := cors.OriginsFromCDKJSON("../../cdk.json"); err != nil {
			t.Error(err)
		}
	})
}
