package apptest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/example/myprofile/api"
)

// validator checks responses against the OpenAPI document, so every
// end-to-end test also proves the document describes what the code does.
type validator struct {
	router routers.Router
}

func newValidator() (*validator, error) {
	doc, err := api.Load(context.Background())
	if err != nil {
		return nil, err
	}
	doc.Servers = openapi3.Servers{{URL: "/"}}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi router: %w", err)
	}
	return &validator{router: r}, nil
}

// check validates one response. Routes the document does not know are left
// to the document/catalog parity test (api package), which names them.
func (v *validator) check(req *http.Request, status int, header http.Header, body []byte) error {
	u, _ := url.Parse(req.URL.String())
	probe := req.Clone(context.Background())
	probe.URL = &url.URL{Path: u.Path, RawQuery: u.RawQuery}
	route, params, err := v.router.FindRoute(probe)
	if err != nil {
		return nil
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: probe, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("status %d: %w", status, err)
	}
	return nil
}
