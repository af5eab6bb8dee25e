package main

import (
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/shared/catalog"
	"github.com/example/myprofile/shared/httpapi"
)

func TestDocsAndProblemPages(t *testing.T) {
	if missing := problemDocsMissing(); len(missing) > 0 {
		t.Errorf("error codes without a /problems page: %v", missing)
	}
	root, err := localcloud.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	uiDir := swaggerUIDir(root, os.Getenv)
	if _, err := os.Stat(filepath.Join(uiDir, "swagger-ui-bundle.js")); err != nil {
		t.Fatalf("swagger-ui-dist is not installed (make deps installs package.json's dev tools): %v", err)
	}
	gw, err := newGateway(namedHandlers{}, catalog.All(), filepath.Join(root, "api", "openapi.yaml"), docsRoutes(uiDir))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	get := func(t *testing.T, path string) (int, string, string) {
		t.Helper()
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}

	t.Run("/docs renders the description offline", func(t *testing.T) {
		status, ct, body := get(t, "/docs")
		if status != 200 || !strings.HasPrefix(ct, "text/html") || !strings.Contains(body, `url: "/openapi.yaml"`) {
			t.Fatalf("%d %s %.300s", status, ct, body)
		}
		if strings.Contains(body, "https://") || strings.Contains(body, "//cdn") {
			t.Errorf("the page loads something from elsewhere: %s", body)
		}
		for _, asset := range []string{"/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css", "/docs/assets/swagger-ui-standalone-preset.js"} {
			if !strings.Contains(body, asset) {
				t.Errorf("the page does not load %s", asset)
			}
			if status, _, b := get(t, asset); status != 200 || len(b) < 1000 {
				t.Errorf("%s: %d, %d bytes", asset, status, len(b))
			}
		}
		if status, _, _ := get(t, "/docs/assets/package.json"); status != 404 {
			t.Errorf("another file of the package: %d, want 404", status)
		}
	})
	for _, code := range httpapi.Codes() {
		t.Run("/problems/"+code, func(t *testing.T) {
			status, ct, body := get(t, "/problems/"+code)
			if status != 200 || !strings.HasPrefix(ct, "text/html") || !strings.Contains(body, "<code>"+code+"</code>") ||
				!strings.Contains(body, "What the client should do") || strings.Contains(body, "&lt;code") {
				t.Errorf("%d %s %.400s", status, ct, body)
			}
		})
	}
	t.Run("unknown code", func(t *testing.T) {
		if status, _, _ := get(t, "/problems/no_such_code"); status != 404 {
			t.Errorf("got %d, want 404", status)
		}
	})
	t.Run("index lists every code", func(t *testing.T) {
		_, _, body := get(t, "/problems/")
		for _, code := range httpapi.Codes() {
			if !strings.Contains(body, `href="/problems/`+code+`"`) {
				t.Errorf("index lacks %s", code)
			}
		}
	})
}
