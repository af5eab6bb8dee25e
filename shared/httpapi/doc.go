// Package httpapi is the HTTP transport every HTTP capability shares: the one
// table from error code (package account) to HTTP status and the
// problem+json writer, strict JSON decoding (application/json or
// merge-patch+json, a size limit, no unknown fields, member names matched
// case-sensitively, no member name twice in an object, nothing after the
// object), the request middleware (request id, X-Request-Id on every
// response, access log, panic recovery; it records the request metadata of
// package request) and the adapter from API Gateway v2 HTTP events to
// net/http.
//
// Capabilities keep their handlers in files named http*.go; their rules
// return account errors and never import this package.
package httpapi
