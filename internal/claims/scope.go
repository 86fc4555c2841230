package claims

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
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
//
// Besides the shape "METHOD /path?query", it refuses what no request can
// match and what would widen a token: invalid UTF-8 (the JSON encoder
// replaces it, so the token would carry another scope), control characters
// and "#" (a request target never holds them), malformed percent-escapes,
// dot segments ("." or "..", also percent-encoded in any case), encoded
// slashes and backslashes in the path, and path characters that a request
// always percent-encodes (a scope is matched against the path as sent, or as
// decoded, and a mix of both matches neither). A server that resolves
// "/v1/ciProducts/../users" would let a token whose scope looks long-lived
// read another resource. The errors describe the entry without quoting it:
// a value in the wrong field may be a secret.
func ParseScope(s string) (Scope, error) {
	if !utf8.ValidString(s) {
		return Scope{}, fmt.Errorf("scope entry is not valid UTF-8; it would be changed in the token and match no request")
	}
	if i := strings.IndexFunc(s, isControl); i >= 0 {
		return Scope{}, fmt.Errorf("scope entry holds a control character at byte %d; a request target has none", i)
	}
	method, target, ok := strings.Cut(s, " ")
	if !ok || method == "" || target == "" {
		return Scope{}, fmt.Errorf("scope entry is not \"METHOD /path\" (%s), e.g. \"GET /v1/apps?filter[platform]=IOS\"", describe(s))
	}
	if !slices.Contains(methods, method) {
		hint := ""
		if slices.Contains(methods, strings.ToUpper(method)) {
			hint = " (it is not in capitals)"
		}
		return Scope{}, fmt.Errorf("scope entry's method is not one of %s%s", strings.Join(methods, ", "), hint)
	}
	if strings.Contains(target, "#") {
		return Scope{}, fmt.Errorf("scope entry holds \"#\"; a request never sends a fragment, so no request would match")
	}
	path, rawQuery, _ := strings.Cut(target, "?")
	if !strings.HasPrefix(path, "/") || strings.Contains(path, " ") {
		return Scope{}, fmt.Errorf("scope entry's path is not an absolute API path such as /v1/apps, without host or spaces")
	}
	if err := checkSegments(path); err != nil {
		return Scope{}, err
	}
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return Scope{}, fmt.Errorf("scope entry has a malformed query (a bad percent-escape, or a ';'); want name=value pairs joined by '&'")
	}
	for _, p := range ignoredParams {
		delete(query, p)
	}
	return Scope{Method: method, Path: path, Query: query}, nil
}

// checkSegments refuses path segments that a server may resolve or split
// differently from the way the scope is matched.
func checkSegments(path string) error {
	for seg := range strings.SplitSeq(path[1:], "/") {
		if strings.IndexFunc(seg, notPathChar) >= 0 {
			return fmt.Errorf("scope entry's path has a character that a request sends percent-encoded (a quote, bracket, backslash, non-ASCII letter, ...), so no request would match; write the path as it goes on the wire, e.g. %%22 for a quote")
		}
		plain, err := url.PathUnescape(seg)
		if err != nil {
			return fmt.Errorf("scope entry's path has a malformed percent-escape; want %%XX with two hex digits")
		}
		switch {
		case plain == "." || plain == "..":
			return fmt.Errorf("scope entry's path has a dot segment (\".\" or \"..\", perhaps percent-encoded); name the resource's own path, e.g. /v1/users rather than /v1/ciProducts/../users")
		case strings.ContainsAny(plain, "/\\"):
			return fmt.Errorf("scope entry's path has a slash or backslash inside a segment (percent-encoded, or a backslash); write the path with plain '/' separators")
		}
	}
	return nil
}

// notPathChar reports whether r may not appear as it is in a request's path:
// RFC 3986 (section 3.3) allows unreserved characters, sub-delimiters, ':',
// '@' and percent-escapes, and a client encodes everything else.
func notPathChar(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return false
	default:
		return !strings.ContainsRune("-._~!$&'()*+,;=:@%", r)
	}
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }

// describe says what an entry looks like without quoting it.
func describe(s string) string {
	switch {
	case s == "":
		return "it is empty"
	case !strings.Contains(s, " "):
		return fmt.Sprintf("it is %d bytes with no space between method and path", len(s))
	default:
		return "the method or the path is empty"
	}
}

// ParseScopes parses every entry of a scope claim; an error names the
// entry by its position.
func ParseScopes(entries []string) ([]Scope, error) {
	scopes := make([]Scope, 0, len(entries))
	for i, e := range entries {
		s, err := ParseScope(e)
		if err != nil {
			return nil, fmt.Errorf("entry %d of %d: %w", i+1, len(entries), err)
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
