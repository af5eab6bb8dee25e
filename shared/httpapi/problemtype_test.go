package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/httpapi"
)

func TestProblemTypeNamesTheDocsPage(t *testing.T) {
	fail := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteError(w, r, account.Errorf(account.CodeNotFound, "nothing here"))
	})
	tests := []struct {
		name  string
		h     http.Handler
		host  string
		proto string
		want  string
	}{
		{"default: the API's own pages, relative", fail, "api.example.com", "https", "/problems/not_found"},
		{"local gateway, relative too", fail, "127.0.0.1:8080", "", "/problems/not_found"},
		{"configured base", httpapi.ProblemDocs("https://docs.example.com/errors", fail), "api.example.com", "https", "https://docs.example.com/errors/not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/x", nil)
			r.Host = tt.host
			if tt.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			w := httptest.NewRecorder()
			tt.h.ServeHTTP(w, r)
			var p struct {
				Type string `json:"type"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Type != tt.want {
				t.Errorf("type %q (%v), want %q", p.Type, err, tt.want)
			}
		})
	}
}
