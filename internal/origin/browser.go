package origin

import (
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/ascjwt/ascjwt/internal/redact"
)

// MaxLen bounds an origin: a scheme, a DNS name of at most 253 bytes and a
// port. Anything longer is something else in the wrong place.
const MaxLen = 300

// extensionSchemes are the schemes, besides https and http, of pages that
// send an Origin header: browser extensions' own pages.
var extensionSchemes = []string{"chrome-extension", "moz-extension", "safari-web-extension"}

// CheckBrowser reports why o cannot be the Origin header a browser sends
// (RFC 6454's serialization, as the Fetch standard has browsers send it), or
// nil if it can. A token whose origin claim must equal that header exactly
// (MusicKit's, MapKit JS's "Debugging an Invalid token": it "must match
// exactly, include the protocol") is refused on every page when the claim
// is written any other way: with a path or a trailing slash, a query, upper
// case, the scheme's default port, a user name, a wildcard.
//
// The error is a phrase to follow the value's name ("is empty", "has a
// path, ..."), so that each package words its own sentence around it; it
// describes o and never quotes it, since a value in the wrong place may be
// a secret.
func CheckBrowser(o string) error {
	switch {
	case o == "":
		return errors.New("is empty")
	case len(o) > MaxLen:
		return errors.New("is " + redact.Bytes(len(o)) + ", longer than an origin can be")
	case redact.LooksLikeKey(o):
		return errors.New("holds " + redact.Describe(o) + ", not an origin")
	case strings.Contains(o, "*"):
		return errors.New("holds a wildcard (*), which no Origin header does")
	}
	for i := 0; i < len(o); i++ {
		if c := o[i]; c <= ' ' || c >= 0x7f {
			return errors.New("holds white space, a control character or non-ASCII (write an internationalised name in its xn-- form)")
		}
	}
	scheme, rest, ok := strings.Cut(o, "://")
	if !ok || !validScheme(scheme) {
		return errors.New("has no scheme, which an Origin header always has")
	}
	if o != strings.ToLower(o) {
		return errors.New("has upper-case letters, which no Origin header does")
	}
	if scheme != "https" && scheme != "http" && !isExtensionScheme(scheme) {
		return errors.New("has a scheme other than https, http or a browser extension's, which no page that sends an Origin header has")
	}
	if strings.ContainsAny(rest, "/?#") {
		if strings.HasSuffix(rest, "/") && strings.Count(rest, "/") == 1 && !strings.ContainsAny(rest, "?#") {
			return errors.New("ends in a slash, which no Origin header does")
		}
		return errors.New("has a path, query or fragment (a trailing slash counts)")
	}
	if strings.Contains(rest, "@") {
		return errors.New("has a user name or password, which no Origin header does")
	}
	u, err := url.Parse(o)
	if err != nil || u.Opaque != "" || u.Hostname() == "" {
		return errors.New("has no host")
	}
	if u.Host != rest || !hostName(u.Hostname()) {
		// A host that url.Parse rewrites (percent-escapes) is not its own
		// serialization, and no browser sends it.
		return errors.New("has a host that is neither a DNS name nor an IP address")
	}
	if p := u.Port(); p != "" || strings.HasSuffix(u.Host, ":") {
		n, err := strconv.Atoi(p)
		switch {
		case err != nil || n < 1 || n > 65535 || p[0] == '0':
			return errors.New("has a port that is not a number from 1 to 65535 without leading zeros")
		case scheme == "https" && p == "443", scheme == "http" && p == "80":
			return errors.New("names its scheme's default port, which browsers leave out of the Origin header")
		}
	}
	return nil
}

// validScheme reports whether s is a URL scheme (RFC 3986): a letter, then
// letters, digits, "+", "-" or ".".
func validScheme(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func isExtensionScheme(s string) bool {
	for _, e := range extensionSchemes {
		if s == e {
			return true
		}
	}
	return false
}

// hostName reports whether h is a host as a browser writes it in an Origin
// header: a DNS name in lower case, or an IP address (an IPv6 one without a
// zone, which no Origin header carries).
func hostName(h string) bool {
	if strings.Contains(h, ":") {
		a, err := netip.ParseAddr(h)
		return err == nil && a.Zone() == ""
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !(c >= 'a' && c <= 'z' || isDigit(c) || c == '-' || c == '.') {
			return false
		}
	}
	return h != ""
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
