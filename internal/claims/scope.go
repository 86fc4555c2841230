package claims

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Scope is one entry of the "scope" claim: a method and a path, with the
// query parameters the token allows, as in "GET /v1/apps?filter[platform]=IOS".
type Scope struct {
	Method string
	Path   string
	Query  url.Values // without the ignored parameters limit, cursor and sort
}

// ignoredParams are left out when Apple matches a request against a scope:
// paging and ordering do not change what a request may see.
var ignoredParams = []string{"limit", "cursor", "sort"}

var methods = []string{"GET", "POST", "PATCH", "PUT", "DELETE"}

// ParseScope parses one scope entry and says what is wrong with a bad one.
func ParseScope(s string) (Scope, error) {
	method, target, ok := strings.Cut(s, " ")
	if !ok || method == "" || target == "" {
		return Scope{}, fmt.Errorf("scope %q is not \"METHOD /path\", e.g. \"GET /v1/apps?filter[platform]=IOS\"", s)
	}
	if !slices.Contains(methods, method) {
		return Scope{}, fmt.Errorf("scope %q has method %q; want one of %s in capitals", s, method, strings.Join(methods, ", "))
	}
	path, rawQuery, _ := strings.Cut(target, "?")
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t\r\n#") {
		return Scope{}, fmt.Errorf("scope %q has path %q; want an absolute API path such as /v1/apps, without host, spaces or fragment", s, path)
	}
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return Scope{}, fmt.Errorf("scope %q has a malformed query: %v", s, errors.Unwrap(err))
	}
	for _, p := range ignoredParams {
		delete(query, p)
	}
	return Scope{Method: method, Path: path, Query: query}, nil
}

// ParseScopes parses every entry of a scope claim.
func ParseScopes(entries []string) ([]Scope, error) {
	scopes := make([]Scope, 0, len(entries))
	for _, e := range entries {
		s, err := ParseScope(e)
		if err != nil {
			return nil, err
		}
		scopes = append(scopes, s)
	}
	return scopes, nil
}

// Allows reports whether a request with this method and URL falls inside the
// scope the way Apple matches it: method and path equal, and the query
// parameters equal as a set, ignoring limit, cursor and sort.
func (s Scope) Allows(method string, u *url.URL) bool {
	if method != s.Method || (u.Path != s.Path && u.EscapedPath() != s.Path) {
		return false
	}
	query := u.Query()
	for _, p := range ignoredParams {
		delete(query, p)
	}
	if len(query) != len(s.Query) {
		return false
	}
	for k, want := range s.Query {
		if !sameSet(query[k], want) {
			return false
		}
	}
	return true
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
