package mapstest

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// This file is how a MapKit JS token's origin claim allows a page, by
// "Creating and using tokens with Maps Server API": the claim is a domain
// pattern (*.example.com), a bare domain (example.com), an origin
// (https://www.example.com, http://localhost:8080), or a comma-separated
// list of them. It is one function, originAllows, so that the one shared
// check of browser origins can take its place once internal/origin holds
// it.

var errOriginClaim = errors.New("origin is not a domain, a domain pattern (*.example.com), an origin (https://www.example.com) or a comma-separated list of them")

// originAllows reports whether the origin claim allows a request whose
// Origin header is origin ("" for none, which no claim allows), or says
// that the claim is not of the page's forms.
//
// An entry with a scheme is an origin and matches that scheme, host and
// port exactly (the scheme's default port when it names none). An entry
// without one matches a page of http or https on the scheme's default
// port, or on the port it names. A bare domain matches that host alone; a
// pattern *.example.com matches any host under example.com, and not
// example.com itself, nor evilexample.com. Hosts compare without regard to
// case.
func originAllows(claim, origin string) (bool, error) {
	var entries []originEntry
	for _, raw := range strings.Split(claim, ",") {
		e, ok := parseOriginEntry(strings.TrimSpace(raw))
		if !ok {
			return false, errOriginClaim
		}
		entries = append(entries, e)
	}
	page, ok := parseOrigin(origin)
	if !ok {
		return false, nil
	}
	for _, e := range entries {
		if e.allows(page) {
			return true, nil
		}
	}
	return false, nil
}

// originEntry is one entry of an origin claim.
type originEntry struct {
	scheme   string // empty: http or https
	host     string // in lower case; for a pattern, the domain under the "*."
	wildcard bool   // the entry is *.host
	port     string // empty: the scheme's default
}

// pageOrigin is a request's Origin header, parsed.
type pageOrigin struct{ scheme, host, port string }

func (e originEntry) allows(p pageOrigin) bool {
	if e.scheme != "" && e.scheme != p.scheme {
		return false
	}
	if port := cmpOr(e.port, defaultPort(p.scheme)); port != p.port {
		return false
	}
	if e.wildcard {
		sub, ok := strings.CutSuffix(p.host, "."+e.host)
		return ok && sub != ""
	}
	return p.host == e.host
}

func parseOriginEntry(s string) (originEntry, bool) {
	var e originEntry
	rest := s
	if scheme, after, ok := strings.Cut(s, "://"); ok {
		e.scheme, rest = strings.ToLower(scheme), after
		if e.scheme != "http" && e.scheme != "https" {
			return originEntry{}, false
		}
	}
	if strings.HasPrefix(rest, "*.") {
		e.wildcard, rest = true, rest[2:]
	}
	u, err := url.Parse("https://" + rest)
	if err != nil || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(rest, "?") || strings.HasSuffix(rest, "#") {
		return originEntry{}, false
	}
	e.host, e.port = strings.ToLower(u.Hostname()), u.Port()
	if !validHost(e.host) || strings.HasSuffix(rest, ":") || e.wildcard && net.ParseIP(e.host) != nil {
		return originEntry{}, false
	}
	return e, true
}

// parseOrigin reads an Origin header: scheme://host[:port], http or https,
// with the scheme's default port made explicit.
func parseOrigin(s string) (pageOrigin, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return pageOrigin{}, false
	}
	p := pageOrigin{scheme: u.Scheme, host: strings.ToLower(u.Hostname()), port: cmpOr(u.Port(), defaultPort(u.Scheme))}
	return p, validHost(p.host)
}

// validHost reports whether h is a host name (letters, digits, hyphens and
// dots, no empty label) or an IP address.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || strings.ContainsFunc(label, func(r rune) bool {
			return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-')
		}) {
			return false
		}
	}
	return true
}

func defaultPort(scheme string) string {
	if scheme == "http" {
		return "80"
	}
	return "443"
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
