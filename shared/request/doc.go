// Package request carries what a capability may know about the request it
// serves, without importing HTTP: the request id, the caller's address and
// user agent, and (for the access log) the authenticated user and the
// error the request ended with. The HTTP middleware and the Lambda adapter
// (shared/httpapi) fill it; services read it from their context.
package request
