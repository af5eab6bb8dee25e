package apptest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/example/myprofile/api"
	"github.com/example/myprofile/shared/catalog"
)

// The response check rejects what breaks the document and fails closed on
// a catalog route the document does not describe.
func TestValidatorRejectsResponsesThatBreakTheDocument(t *testing.T) {
	v, err := newValidator()
	if err != nil {
		t.Fatal(err)
	}
	const session = `{"id":"s1","current":true,"createdAt":"2025-01-02T03:04:05Z","lastSeenAt":"2025-01-02T03:04:05Z","userAgent":"ua","ipAddress":"192.0.2.1","expiresAt":"2025-02-02T03:04:05Z"}`
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	problem := http.Header{"Content-Type": {"application/problem+json"}}
	for _, tc := range []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
		wantErr            bool
	}{
		{"documented response", "GET", "/v1/me/sessions", 200, jsonHeader, `{"sessions":[` + session + `]}`, false},
		{"missing required field", "GET", "/v1/me/sessions", 200, jsonHeader, `{"sessions":[{"id":"s1"}]}`, true},
		{"missing required top-level field", "GET", "/v1/me/sessions", 200, jsonHeader, `{}`, true},
		{"wrong type", "GET", "/v1/me/sessions", 200, jsonHeader, `{"sessions":"none"}`, true},
		{"undocumented status", "GET", "/v1/me/sessions", http.StatusTeapot, problem, `{"type":"about:blank","title":"teapot","status":418,"code":"teapot"}`, true},
		{"path parameter route", "DELETE", "/v1/me/sessions/abc", 204, http.Header{}, ``, false},
		{"no catalog route", "GET", "/v1/nowhere", 404, http.Header{"Content-Type": {"text/plain"}}, `404 page not found`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "http://127.0.0.1"+tc.path, nil)
			err := v.check(req, tc.status, tc.header, []byte(tc.body))
			if tc.wantErr && err == nil {
				t.Fatalf("%s %s %d %s: accepted, want rejected", tc.method, tc.path, tc.status, tc.body)
			}
			if !tc.wantErr && err != nil {
				t.Fatalf("%s %s %d %s: rejected: %v", tc.method, tc.path, tc.status, tc.body, err)
			}
		})
	}
}

// A catalog route whose operation is missing from the document is an
// error, not a skipped check.
func TestValidatorFailsClosedOnUndocumentedCatalogRoute(t *testing.T) {
	doc, err := api.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	doc.Paths.Delete("/v1/me/sessions")
	v, err := newValidatorFor(doc, catalog.Routes())
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "http://127.0.0.1/v1/me/sessions", nil)
	if err := v.check(req, 200, http.Header{"Content-Type": {"application/json"}}, []byte(`{"sessions":[]}`)); err == nil {
		t.Fatal("a response of a catalog route missing from the document was accepted")
	}
}

// Every catalog route has an operation the check finds (so no end-to-end
// response of a catalog route is skipped).
func TestValidatorFindsEveryCatalogRoute(t *testing.T) {
	v, err := newValidator()
	if err != nil {
		t.Fatal(err)
	}
	for pattern := range catalog.Routes() {
		method, path, _ := strings.Cut(pattern, " ")
		req := httptest.NewRequest(method, "http://127.0.0.1"+fillParams(path), nil)
		if _, _, err := v.router.FindRoute(req); err != nil {
			t.Errorf("%s: no operation in the document: %v", pattern, err)
		}
	}
}

// fillParams replaces each {name} of a ServeMux pattern with a value.
func fillParams(path string) string {
	out := make([]byte, 0, len(path))
	for i := 0; i < len(path); i++ {
		if path[i] == '{' {
			for i < len(path) && path[i] != '}' {
				i++
			}
			out = append(out, "x1"...)
			continue
		}
		out = append(out, path[i])
	}
	return string(out)
}
