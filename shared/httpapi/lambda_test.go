package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func echoHandler() http.Handler {
	return Middleware(slog.New(slog.NewJSONHandler(io.Discard, nil)), Routes{
		"POST /v1/echo/{id}": Handle(func(w http.ResponseWriter, r *http.Request) error {
			var body map[string]any
			if err := Decode(r, &body); err != nil {
				return err
			}
			src := ClientSource(r)
			http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
			WriteJSON(w, 200, map[string]any{"id": r.PathValue("id"), "q": r.URL.Query().Get("q"), "ip": src.IP, "ua": src.UserAgent,
				"body": body, "requestId": RequestID(r.Context())})
			return nil
		}),
	}.Mux())
}

func TestLambdaAdapter(t *testing.T) {
	a := LambdaAdapter{Handler: echoHandler()}
	ev := events.APIGatewayV2HTTPRequest{
		RawPath: "/v1/echo/42", RawQueryString: "q=hello%20world",
		Headers: map[string]string{"content-type": "application/json"},
		Body:    base64.StdEncoding.EncodeToString([]byte(`{"x":1}`)), IsBase64Encoded: true,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "gw-req-1",
			HTTP:      events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/v1/echo/42", SourceIP: "203.0.113.9", UserAgent: "phone/1.0"},
		},
	}
	res, err := a.Invoke(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Headers["X-Request-Id"] != "gw-req-1" || len(res.Cookies) != 1 {
		t.Fatalf("got %+v", res)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
		t.Fatalf("body %q: %v", res.Body, err)
	}
	want := map[string]any{"id": "42", "q": "hello world", "ip": "203.0.113.9", "ua": "phone/1.0", "requestId": "gw-req-1"}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("%s = %v, want %v", k, out[k], v)
		}
	}

	t.Run("malformed events are answered 400 with a request id and logged, never a crash", func(t *testing.T) {
		var logs strings.Builder
		a := LambdaAdapter{Handler: echoHandler(), Log: slog.New(slog.NewJSONHandler(&logs, nil))}
		for _, bad := range []events.APIGatewayV2HTTPRequest{
			{},
			{RawPath: "no-slash", RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"}}},
			{RawPath: "/x", Body: "!!!", IsBase64Encoded: true, RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "gw-bad-1", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"}}},
		} {
			logs.Reset()
			res, err := a.Invoke(context.Background(), bad)
			if err != nil || res.StatusCode != 400 {
				t.Errorf("got %d %v", res.StatusCode, err)
			}
			id := res.Headers["X-Request-Id"]
			if id == "" || (bad.RequestContext.RequestID != "" && id != bad.RequestContext.RequestID) {
				t.Errorf("X-Request-Id = %q, want the event's or a new one", id)
			}
			if line := logs.String(); !strings.Contains(line, `"requestId":"`+id+`"`) || !strings.Contains(line, `"status":400`) {
				t.Errorf("access log %q", line)
			}
		}
	})
}

// The sample events in events/ must decode and be served.
func TestSampleEventsDecode(t *testing.T) {
	files, _ := filepath.Glob("../../events/apigw-*.json")
	if len(files) == 0 {
		t.Fatal("no API Gateway sample events found in events/")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := RequestFromEvent(context.Background(), ev); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func FuzzLambdaAdapter(f *testing.F) {
	f.Add("POST", "/v1/echo/1", "q=1", `{"x":1}`, false, "content-type", "application/json")
	f.Add("GET", "/%zz", "", "", false, "content-type", "")
	f.Add("POST", "/v1/echo/1", "", "e30=", true, "content-type", "application/json")
	f.Add("PUT", "/v1/a%20b/c%2Fd", "x=%20", "\x00\xff", false, "x-custom", "a, b")
	a := LambdaAdapter{Handler: echoHandler(), Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	f.Fuzz(func(t *testing.T, method, path, query, body string, b64 bool, hname, hval string) {
		ev := events.APIGatewayV2HTTPRequest{
			RawPath: path, RawQueryString: query, Body: body, IsBase64Encoded: b64,
			Headers:        map[string]string{hname: hval},
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method}},
		}
		res, err := a.Invoke(context.Background(), ev)
		if err != nil {
			t.Fatalf("adapter returned an error: %v", err)
		}
		if res.StatusCode >= 500 {
			t.Fatalf("status %d for %q %q: %s", res.StatusCode, method, path, res.Body)
		}

		// The handler sees the event's method, path, query, headers and
		// body unchanged; an event it never sees is answered 400.
		var seen *http.Request
		var seenBody []byte
		rec := LambdaAdapter{Log: a.Log, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = r
			seenBody, _ = io.ReadAll(r.Body)
			w.WriteHeader(http.StatusNoContent)
		})}
		res, err = rec.Invoke(context.Background(), ev)
		if err != nil {
			t.Fatalf("adapter returned an error: %v", err)
		}
		if seen == nil {
			if res.StatusCode != http.StatusBadRequest {
				t.Fatalf("event not passed on, answered %d, want 400", res.StatusCode)
			}
			return
		}
		if res.StatusCode != http.StatusNoContent {
			t.Errorf("handler's 204 answered as %d", res.StatusCode)
		}
		if seen.Method != method {
			t.Errorf("method %q, event had %q", seen.Method, method)
		}
		wantPath := path
		if p, err := url.PathUnescape(path); err == nil {
			wantPath = p
		}
		if seen.URL.Path != wantPath {
			t.Errorf("path %q, event had %q (want %q)", seen.URL.Path, path, wantPath)
		}
		if seen.URL.RawQuery != query {
			t.Errorf("query %q, event had %q", seen.URL.RawQuery, query)
		}
		if got := seen.Header.Get(hname); got != hval {
			t.Errorf("header %q = %q, event had %q", hname, got, hval)
		}
		wantBody := []byte(body)
		if b64 {
			wantBody, _ = base64.StdEncoding.DecodeString(body)
		}
		if !bytes.Equal(seenBody, wantBody) {
			t.Errorf("body %q, event had %q (base64 %v)", seenBody, body, b64)
		}
	})
}

// The adapter records a response as a net/http server sends it (and as
// httptest's recorder did): the checks compare it with a real server.
func TestLambdaResponseIsWhatAServerSends(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"nothing written", func(http.ResponseWriter, *http.Request) {}},
		{"body only: 200, type sniffed", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html><body>hi</body></html>")) }},
		{"typed body", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			_, _ = w.Write([]byte(`{"a":1}`))
		}},
		{"status twice: the first counts", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(404)
			w.WriteHeader(500)
		}},
		{"no body on 204", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(204)
			_, _ = w.Write([]byte("dropped"))
		}},
		{"no body on 304", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("ETag", `"v1"`)
			w.WriteHeader(304)
			_, _ = w.Write([]byte("dropped"))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			wantBody, _ := io.ReadAll(resp.Body)
			resp.Body.Close()

			got, err := LambdaAdapter{Handler: tc.handler}.Invoke(context.Background(), events.APIGatewayV2HTTPRequest{
				RawPath: "/", RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if got.StatusCode != resp.StatusCode {
				t.Errorf("status %d, a server sends %d", got.StatusCode, resp.StatusCode)
			}
			if got.Headers["Content-Type"] != resp.Header.Get("Content-Type") {
				t.Errorf("Content-Type %q, a server sends %q", got.Headers["Content-Type"], resp.Header.Get("Content-Type"))
			}
			if got.Body != string(wantBody) {
				t.Errorf("body %q, a server sends %q", got.Body, wantBody)
			}
		})
	}
}

func TestLambdaInvalidStatusIs500(t *testing.T) {
	got, err := LambdaAdapter{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(42) })}.Invoke(context.Background(),
		events.APIGatewayV2HTTPRequest{RawPath: "/", RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"}}})
	if err != nil || got.StatusCode != 500 {
		t.Fatalf("status %d, err %v: want 500 without a panic", got.StatusCode, err)
	}
}
