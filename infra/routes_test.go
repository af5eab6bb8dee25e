package main

import (
	"testing"

	"github.com/example/myprofile/shared/catalog"
)

func TestParseRoute(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"GET /v1/me", "GET /v1/me"},
		{"DELETE /v1/me/sessions/{id}", "DELETE /v1/me/sessions/{id}"},
		{"POST /v1/files/{path...}", "POST /v1/files/{path+}"},
		{"GET /{$}", "GET /"},
		{"/health", "ANY /health"},
		{"GET /", "GET /"},
	} {
		r, err := ParseRoute(tc.in)
		if err != nil || r.Key() != tc.want {
			t.Errorf("ParseRoute(%q) = %q, %v; want %q", tc.in, r.Key(), err, tc.want)
		}
	}
	for _, bad := range []string{
		"", "FETCH /x", "GET /v1/me/{$}", "GET example.com/x", "GET /v1/me/", "GET /v1//me",
		"GET /v1/{a...}/b", "GET /v1/x{id}", "GET /v1/{}", "GET /v1/{a-b}", "get /v1/me",
	} {
		if r, err := ParseRoute(bad); err == nil {
			t.Errorf("ParseRoute(%q) = %q, want an error", bad, r.Key())
		}
	}
}

// Every route in the catalog must be expressible in API Gateway.
func TestCatalogRoutesParse(t *testing.T) {
	for _, f := range catalog.All() {
		for _, r := range f.Routes {
			if _, err := ParseRoute(r); err != nil {
				t.Errorf("%s: %v", f.Name, err)
			}
		}
	}
}

func FuzzParseRoute(f *testing.F) {
	for _, s := range []string{"GET /v1/me", "DELETE /v1/me/sessions/{id}", "POST /a/{p...}", "/x/{$}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRoute(s)
		if err != nil {
			return
		}
		if r.Method == "" || len(r.Path) == 0 || r.Path[0] != '/' {
			t.Fatalf("ParseRoute(%q) = %+v", s, r)
		}
	})
}
