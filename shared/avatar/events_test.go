package avatar_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/app/avatarwire"
	"github.com/example/myprofile/shared/avatar"
)

// The sample event (make invoke FN=avatar) is what S3 sends. The avatar
// function, decoding it as the Lambda runtime does (all.Deps.Lambda), asks
// the uploads bucket for the object the record names, at the size it gives.
func TestSampleEvent(t *testing.T) {
	raw, err := os.ReadFile("../../events/avatar-upload.json")
	if err != nil {
		t.Fatal(err)
	}
	const (
		bucket = "myprofile-uploads-local"
		key    = "uploads/00000000-0000-4000-8000-000000000001/18eb1abdc71e278d-97d304dec453e6da"
	)
	if uid, id, ok := avatar.ParseUploadKey(key); !ok || uid == "" || id == "" {
		t.Fatalf("the sample's key %q is not an upload key", key)
	}
	edit := func(old, new string) string {
		t.Helper()
		if !strings.Contains(string(raw), old) {
			t.Fatalf("the sample event has no %s", old)
		}
		return strings.Replace(string(raw), old, new, 1)
	}
	for _, tc := range []struct {
		name  string
		event string
		want  []string // the S3 requests the function makes
	}{
		{"the sample: the named object is read", string(raw), []string{"GET /" + bucket + "/" + key}},
		{"too large: the object is deleted unread", edit(`"size": 48213`, `"size": 5000000`), []string{"POST /" + bucket + "?delete"}},
		{"another bucket: ignored", edit(`"name": "`+bucket+`"`, `"name": "someone-else"`), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var got []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				req := r.Method + " " + r.URL.Path
				if _, ok := r.URL.Query()["delete"]; ok {
					req += "?delete"
				}
				got = append(got, req)
				mu.Unlock()
				if r.Method == http.MethodGet {
					w.Header().Set("Content-Type", "application/xml")
					w.WriteHeader(http.StatusNotFound)
					_, _ = w.Write([]byte(`<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>`))
					return
				}
				w.Header().Set("Content-Type", "application/xml")
				_, _ = w.Write([]byte(`<DeleteResult></DeleteResult>`))
			}))
			t.Cleanup(srv.Close)
			client := s3.NewFromConfig(testenv.Config(t), func(o *s3.Options) {
				o.BaseEndpoint = &srv.URL
				o.UsePathStyle = true
			})
			e := apptest.New(t, &apptest.Options{
				Env:       map[string]string{"UPLOADS_BUCKET": bucket},
				Configure: func(d *app.Deps) { d.SetClient(avatarwire.S3, client) },
			})
			h, err := e.Deps.Lambda("avatar")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.Invoke(context.Background(), []byte(tc.event)); err != nil {
				t.Fatalf("invoke: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("S3 requests = %q, want %q", got, tc.want)
			}
		})
	}
}
