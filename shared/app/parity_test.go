package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/myprofile/shared/app/apptest"
)

// The local gateway and the Lambda behind API Gateway answer a request the
// same way: the same handler serves both, through the event adapter in
// Lambda. Only the request id differs.
func TestLambdaAndGatewayAnswerAlike(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	for _, tc := range []struct {
		fn     string // the function serving the route
		name   string
		method string
		path   string
		token  string
		body   string
	}{
		{"profile", "profile", "GET", "/v1/me", u.Token, ""},
		{"profile", "no token", "GET", "/v1/me", "", ""},
		{"profile-edit", "bad patch", "PATCH", "/v1/me", u.Token, `{"timezone":"Mars/Base"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.For(t)
			h, err := e.Deps.Lambda(tc.fn)
			if err != nil {
				t.Fatal(err)
			}
			req := apptest.Req{Method: tc.method, Path: tc.path, Token: tc.token}
			ev := events.APIGatewayV2HTTPRequest{
				RawPath: tc.path, Headers: map[string]string{"content-type": "application/json"},
				RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "parity-1",
					HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: tc.method, Path: tc.path, SourceIP: "203.0.113.7", UserAgent: "parity"}},
			}
			if tc.token != "" {
				ev.Headers["authorization"] = "Bearer " + tc.token
			}
			if tc.body != "" {
				req.Body = tc.body
				ev.Body = tc.body
			}
			viaGateway := e.Do(req)
			payload, _ := json.Marshal(ev)
			raw, err := h.Invoke(context.Background(), payload)
			if err != nil {
				t.Fatal(err)
			}
			var viaLambda events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(raw, &viaLambda); err != nil {
				t.Fatal(err)
			}
			if viaLambda.StatusCode != viaGateway.Status {
				t.Fatalf("status: lambda %d, gateway %d", viaLambda.StatusCode, viaGateway.Status)
			}
			if viaLambda.Headers["Content-Type"] != viaGateway.Header.Get("Content-Type") {
				t.Errorf("content type: lambda %q, gateway %q", viaLambda.Headers["Content-Type"], viaGateway.Header.Get("Content-Type"))
			}
			if viaLambda.Headers["X-Request-Id"] != "parity-1" {
				t.Errorf("the API Gateway request id is not the request id: %q", viaLambda.Headers["X-Request-Id"])
			}
			var a, b map[string]any
			_ = json.Unmarshal([]byte(viaLambda.Body), &a)
			_ = json.Unmarshal(viaGateway.Body, &b)
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if string(ja) != string(jb) {
				t.Errorf("bodies differ:\nlambda  %s\ngateway %s", ja, jb)
			}
		})
	}
}

// A route no function serves is answered as API Gateway would, without
// reaching a function.
func TestUnknownRouteIsAPIGatewaysNotFound(t *testing.T) {
	e := apptest.New(t, nil)
	for _, r := range []apptest.Req{{Method: "GET", Path: "/v1/nope"}, {Method: "DELETE", Path: "/v1/me/sessions"}} {
		res := e.Do(r)
		if res.Status != http.StatusNotFound || string(res.Body) != `{"message":"Not Found"}` {
			t.Errorf("%s %s: %d %s", r.Method, r.Path, res.Status, res.Body)
		}
	}
}
