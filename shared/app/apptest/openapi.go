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
	"github.com/example/myprofile/shared/catalog"
)

// validator checks responses against the OpenAPI document, so every
// end-to-end test also proves the document describes what the code does.
type validator struct {
	router routers.Router
	// catalog matches a request to the catalog route that serves it; a
	// request it matches must be checked, never skipped.
	catalog *http.ServeMux
}

func newValidator() (*validator, error) {
	doc, err := api.Load(context.Background())
	if err != nil {
		return nil, err
	}
	return newValidatorFor(doc, catalog.Routes())
}

// newValidatorFor checks responses against doc for the routes given as
// "METHOD /path" patterns (the catalog's, in newValidator).
func newValidatorFor(doc *openapi3.T, routes map[string]string) (*validator, error) {
	doc.Servers = openapi3.Servers{{URL: "/"}}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi router: %w", err)
	}
	mux := http.NewServeMux()
	for pattern := range routes {
		mux.HandleFunc(pattern, func(http.ResponseWriter, *http.Request) {})
	}
	return &validator{router: r, catalog: mux}, nil
}

// check validates one response. It fails closed: a request to a catalog
// route the document does not describe is an error. Only requests no
// catalog route serves (a 404 or 405 of the gateway itself) go unchecked.
func (v *validator) check(req *http.Request, status int, header http.Header, body []byte) error {
	u, err := url.Parse(req.URL.String())
	if err != nil {
		return fmt.Errorf("request URL: %w", err)
	}
	probe := req.Clone(context.Background())
	probe.URL = &url.URL{Path: u.Path, RawQuery: u.RawQuery}
	probe.Host = ""
	_, pattern := v.catalog.Handler(probe)
	route, params, err := v.router.FindRoute(probe)
	if err != nil {
		if pattern == "" {
			return nil
		}
		return fmt.Errorf("catalog route %q has no operation in the document for %s %s: %w", pattern, probe.Method, probe.URL.Path, err)
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
