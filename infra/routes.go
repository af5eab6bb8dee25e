package main

import (
	"fmt"
	"strings"
)

// Route is one API Gateway HTTP API route derived from a catalog pattern.
type Route struct {
	Method string // GET, POST, ... or ANY
	Path   string // API Gateway path, e.g. /v1/me/sessions/{id}
}

// Key is the route key API Gateway stores: "METHOD /path".
func (r Route) Key() string { return r.Method + " " + r.Path }

var httpMethods = map[string]bool{
	"GET": true, "POST": true, "PUT": true, "PATCH": true,
	"DELETE": true, "HEAD": true, "OPTIONS": true,
}

// ParseRoute turns a net/http ServeMux pattern as written in the catalog
// ("DELETE /v1/me/sessions/{id}") into an API Gateway route. The two syntaxes
// agree on "{name}" segments; "{name...}" becomes API Gateway's greedy
// "{name+}", a trailing "{$}" is dropped (API Gateway matches exactly
// anyway), and a pattern without a method becomes ANY. Patterns API Gateway
// cannot express (a host, a subtree pattern ending in "/") are rejected.
func ParseRoute(pattern string) (Route, error) {
	method, path, ok := strings.Cut(strings.TrimSpace(pattern), " ")
	if !ok {
		method, path = "ANY", method
	}
	path = strings.TrimSpace(path)
	if method != "ANY" && !httpMethods[method] {
		return Route{}, fmt.Errorf("route %q: unsupported method %q", pattern, method)
	}
	if !strings.HasPrefix(path, "/") {
		return Route{}, fmt.Errorf("route %q: path must start with / (host patterns are not supported)", pattern)
	}
	path = strings.TrimSuffix(path, "{$}")
	if path != "/" && strings.HasSuffix(path, "/") {
		return Route{}, fmt.Errorf("route %q: subtree patterns ending in / have no API Gateway equivalent; use {name...}", pattern)
	}
	segs := strings.Split(path[1:], "/")
	for i, s := range segs {
		if s == "" && path != "/" {
			return Route{}, fmt.Errorf("route %q: empty path segment", pattern)
		}
		if !strings.ContainsAny(s, "{}") {
			continue
		}
		if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") || strings.Count(s, "{") != 1 || strings.Count(s, "}") != 1 {
			return Route{}, fmt.Errorf("route %q: a wildcard must be a whole segment", pattern)
		}
		name := s[1 : len(s)-1]
		if greedy, ok := strings.CutSuffix(name, "..."); ok {
			if i != len(segs)-1 {
				return Route{}, fmt.Errorf("route %q: {name...} must be the last segment", pattern)
			}
			name = greedy
			segs[i] = "{" + name + "+}"
		}
		if !validWildcardName(name) {
			return Route{}, fmt.Errorf("route %q: bad wildcard name %q", pattern, name)
		}
	}
	return Route{Method: method, Path: "/" + strings.Join(segs, "/")}, nil
}

func validWildcardName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
