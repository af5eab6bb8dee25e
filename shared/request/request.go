package request

import (
	"context"

	"github.com/example/myprofile/shared/account"
)

type ctxKey int

const (
	infoKey ctxKey = iota
	idKey
	sourceKey
)

// Info is filled while one request is served and read by the access log.
// It belongs to that request only.
type Info struct {
	ID     string
	UserID string
	Err    *account.Error
}

// WithInfo returns ctx carrying info.
func WithInfo(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, infoKey, info)
}

// InfoOf returns the request's Info, or nil outside a request.
func InfoOf(ctx context.Context) *Info {
	ri, _ := ctx.Value(infoKey).(*Info)
	return ri
}

// SetUserID records the authenticated user for the access log.
func SetUserID(ctx context.Context, id string) {
	if ri := InfoOf(ctx); ri != nil {
		ri.UserID = id
	}
}

// RecordError records the error the request ends with, for the access log.
func RecordError(ctx context.Context, e *account.Error) {
	if ri := InfoOf(ctx); ri != nil {
		ri.Err = e
	}
}

// ID returns the request's id ("" outside a request).
func ID(ctx context.Context) string {
	if ri := InfoOf(ctx); ri != nil {
		return ri.ID
	}
	id, _ := ctx.Value(idKey).(string)
	return id
}

// WithID gives a context the request id assigned upstream (the API Gateway
// request id); the middleware uses it instead of making one.
func WithID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, idKey, id)
}

// Upstream returns the id given by WithID ("" when none was).
func Upstream(ctx context.Context) string {
	id, _ := ctx.Value(idKey).(string)
	return id
}

// Source is where a request came from, as API Gateway or the socket saw it.
type Source struct {
	IP        string
	UserAgent string
}

// WithSource records the client's address and user agent (the Lambda
// adapter takes them from the event's request context).
func WithSource(ctx context.Context, s Source) context.Context {
	return context.WithValue(ctx, sourceKey, s)
}

// SourceOf returns the caller's address and user agent, and whether they
// were recorded.
func SourceOf(ctx context.Context) (Source, bool) {
	s, ok := ctx.Value(sourceKey).(Source)
	return s, ok
}

// Client returns the caller's address and user agent (zero outside a
// request). The middleware records them for every request it serves.
func Client(ctx context.Context) Source {
	s, _ := SourceOf(ctx)
	return s
}
