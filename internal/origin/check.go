package origin

import (
	"errors"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ascjwt/ascjwt/internal/redact"
)

// MaxLen bounds an origin: a DNS name is at most 253 bytes, and a scheme and
// a port add a few more. A longer value is something else in the wrong place.
const MaxLen = 300

// schemes are those of the pages whose Origin header a token may be limited
// to: the web's two, and the extension pages of Chrome (and Edge), Firefox
// and Safari, which send their own. Browsers send no other (FTP pages are
// gone), and a "null" origin names no page.
var schemes = []string{"https", "http", "chrome-extension", "moz-extension", "safari-web-extension"}

// advice ends the errors that have no more particular fix.
const advice = "write it as a browser's Origin header sends it, e.g. https://www.example.net or http://localhost:3000"

// Check reports why s cannot be the Origin header of a browser's request, or
// nil if it can. Apple compares a token's origin claim with that header
// exactly (MusicKit's developer tokens, MapKit JS tokens), and a browser
// sends scheme://host[:port]: in lower case, without a path, a trailing
// slash, a query, a user name or the scheme's default port, with a DNS name
// (an internationalised one in its xn-- form) or an IP address, never a
// wildcard. A value that passes is its own serialization: url.Parse gives
// back scheme + "://" + host.
//
// The error reads after the name of what held s ("Config.Origins[1] has a
// path, ..."), says what to write instead, and describes s, never quotes it:
// it may be a secret in the wrong place.
func Check(s string) error {
	switch {
	case s == "":
		return errors.New("is empty; " + advice)
	case len(s) > MaxLen:
		return errors.New("is " + redact.Bytes(len(s)) + ", longer than an origin can be; " + advice)
	case redact.LooksLikeKey(s):
		return errors.New("holds " + redact.Describe(s) + "; " + advice)
	case strings.Contains(s, "*"):
		return errors.New("holds a wildcard (*), which Apple's pages do not document and no Origin header holds; list each origin")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return errors.New("holds white space, a control character or a non-ASCII byte (at byte " + strconv.Itoa(i) + "); " + advice + " (an internationalised name in its xn-- form)")
		}
	}
	scheme, rest, ok := strings.Cut(s, "://")
	switch {
	case !ok || scheme == "":
		return errors.New("has no scheme, which every Origin header has; " + advice)
	case s != strings.ToLower(s):
		return errors.New("has upper-case letters, which no Origin header does; write it in lower case")
	case !slices.Contains(schemes, scheme):
		return errors.New("has a scheme no browser sends in an Origin header (they send http, https and their extension pages' " + strings.Join(schemes[2:], ", ") + "); " + advice)
	case strings.ContainsAny(rest, "?#"):
		return errors.New("has a query or fragment, which no Origin header does; keep only scheme://host[:port]")
	case strings.HasSuffix(rest, "/") && strings.Count(rest, "/") == 1:
		return errors.New("ends in a slash, which no Origin header does; remove it")
	case strings.Contains(rest, "/"):
		return errors.New("has a path, which no Origin header does; keep only scheme://host[:port]")
	case strings.Contains(rest, "@"):
		return errors.New("has a user name or password, which no Origin header does; keep only scheme://host[:port]")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return errors.New("has no host; " + advice)
	}
	if !isHost(u.Hostname()) {
		return errors.New("has a host that is neither a DNS name nor an IP address; " + advice)
	}
	if p := u.Port(); p != "" || strings.HasSuffix(u.Host, ":") {
		n, err := strconv.Atoi(p)
		switch {
		case err != nil || n < 1 || n > 65535 || p[0] == '0':
			return errors.New("has a port that is not a number from 1 to 65535 without leading zeros; " + advice)
		case scheme == "https" && p == "443", scheme == "http" && p == "80":
			return errors.New("names its scheme's default port, which browsers leave out of the Origin header; remove the port")
		}
	}
	return nil
}

// isHost reports whether h (a URL's Hostname) is a DNS name in lower case
// or an IP address without a zone, as a browser writes them in an Origin
// header.
func isHost(h string) bool {
	if strings.Contains(h, ":") {
		addr, err := netip.ParseAddr(h)
		return err == nil && addr.Zone() == ""
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return h != ""
}
