// Package ssowire builds single sign-on: its configuration and domain
// routes (profile-edit function) and its sign-in routes (auth function).
package ssowire

import (
	"context"
	"net"
	"time"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/datakeywire"
	"github.com/example/myprofile/shared/sso"
	"github.com/example/myprofile/shared/store/ssodb"
)

// Service returns the SSO service; starter creates sessions (the auth
// service; nil in functions that serve no sign-in).
func Service(d *app.Deps, starter sso.SessionStarter) (*sso.Service, error) {
	keys, err := datakeywire.Keys(d)
	if err != nil {
		return nil, err
	}
	return &sso.Service{
		Store: ssodb.New(d.Store()), Sessions: d.Sessions(), Keys: keys,
		Resolver: Resolver(d.Config.DNSResolver), RedirectURL: d.Config.SSORedirectURL,
		Starter: starter, Audit: d.Audit(), Now: d.Now, Log: d.Log,
	}, nil
}

// Resolver asks addr (host:port) for TXT records, or the system resolver
// when addr is empty.
func Resolver(addr string) *net.Resolver {
	if addr == "" {
		return net.DefaultResolver
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		d := net.Dialer{Timeout: 5 * time.Second}
		return d.DialContext(ctx, network, addr)
	}}
}
