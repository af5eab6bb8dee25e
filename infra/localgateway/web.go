package main

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// webContentSecurityPolicy keeps the reference page to its own scripts;
// the API, the avatar uploads and pictures may be on other local ports.
const webContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob: http: https:; connect-src 'self' http: https:; frame-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// withWeb serves the reference My Profile page built by `make web` (dist,
// normally web/dist) next to the API: GET / is its index.html and GET
// /<file> a file of dist; everything else, /v1/... above all, goes to api.
// Without a build, GET / says how to make one.
func withWeb(api http.Handler, dist string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || strings.HasPrefix(r.URL.Path, "/v1/") {
			api.ServeHTTP(w, r)
			return
		}
		name := path.Clean(r.URL.Path)
		if name == "/" {
			name = "/index.html"
		}
		file := filepath.Join(dist, filepath.FromSlash(name))
		info, err := os.Stat(file)
		if err != nil || info.IsDir() || strings.Count(name, "/") != 1 {
			if r.URL.Path == "/" {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte("The web page is not built: run `make web` (or `make run`, which builds it when missing).\n"))
				return
			}
			api.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", webContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		http.ServeFile(w, r, file)
	})
}
