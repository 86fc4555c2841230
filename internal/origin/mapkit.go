package origin

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/ascjwt/ascjwt/internal/redact"
)

// Limits on an origin claim.
const (
	// MaxMapKitEntries is the most entries a claim may list.
	MaxMapKitEntries = 100
	// MaxMapKitLen bounds a whole claim: every byte of it goes in the
	// token, and a web page fetches the token on every load.
	MaxMapKitLen = 8 << 10
	// maxDomainLen is DNS's limit on a name (RFC 1035).
	maxDomainLen = 253
)

// ScopeMapKitJS is the scope word of a token for MapKit JS, which must
// carry an origin claim ("Creating and using tokens with Maps Server API").
const ScopeMapKitJS = "mapkit_js"

// CheckMapKit reports why claim cannot be the origin claim of a Maps token,
// or nil if it can. The claim, as Apple's page "Creating and using tokens
// with Maps Server API" shows it ("origin": "*.example.com") and the
// developer account's Maps token form takes it (a comma-separated list of
// the web domains the token is for), is a list of entries, each one of:
//
//   - an origin, https://www.example.com or http://localhost:8080, which a
//     page's Origin header must equal ("Debugging an Invalid token");
//   - a domain, www.example.com, which a page on that host matches by any
//     scheme or port;
//   - a domain pattern, *.example.com, which a page on any host under that
//     domain matches (not example.com itself: list it too for that).
//
// The token source (maps) and the fake (mapstest) both read claims here, so
// that what one writes the other takes. The error is a sentence about "the origin"
// or one entry of the list, describing it without quoting it.
func CheckMapKit(claim string) error {
	if len(claim) > MaxMapKitLen {
		return fmt.Errorf("the origin claim is %s, more than the %s a token should carry; make a token per group of sites", redact.Bytes(len(claim)), redact.Bytes(MaxMapKitLen))
	}
	entries := strings.Split(claim, ",")
	if len(entries) > MaxMapKitEntries {
		return fmt.Errorf("the origin claim lists %d entries, more than %d; make a token per group of sites", len(entries), MaxMapKitEntries)
	}
	seen := make(map[string]bool, len(entries))
	for i, e := range entries {
		e = strings.Trim(e, " ")
		what := "the origin"
		if len(entries) > 1 {
			what = fmt.Sprintf("entry %d of %d in the comma-separated origin list", i+1, len(entries))
		}
		if err := checkEntry(e); err != nil {
			return fmt.Errorf("%s %w", what, err)
		}
		if seen[e] {
			return fmt.Errorf("%s repeats an earlier entry; list each once", what)
		}
		seen[e] = true
	}
	return nil
}

// checkEntry checks one entry of an origin claim: an origin, a domain or a
// domain pattern.
func checkEntry(e string) error {
	switch {
	case e == "":
		return errors.New("is empty; write an origin (https://www.example.com), a domain (www.example.com) or a domain pattern (*.example.com)")
	case strings.Contains(e, "://"):
		if strings.Contains(e, "*") {
			return errors.New("puts a wildcard in an origin with a scheme; write a domain pattern without one, as in *.example.com")
		}
		return CheckBrowser(e)
	case strings.HasPrefix(e, "*."):
		d := e[2:]
		if err := checkDomain(d); err != nil {
			return err
		}
		if !strings.Contains(d, ".") {
			return errors.New("is a pattern over a whole top-level domain; name your own domain, as in *.example.com")
		}
		return nil
	case strings.Contains(e, "*"):
		return errors.New("holds a wildcard other than a leading *., the only pattern Apple's page shows (*.example.com)")
	}
	return checkDomain(e)
}

// checkDomain checks a domain as an entry of an origin claim: a DNS name in
// lower case (as browsers send hosts), without a port or a trailing dot.
func checkDomain(d string) error {
	if len(d) > maxDomainLen {
		return errors.New("is " + redact.Bytes(len(d)) + ", longer than a domain can be")
	}
	if redact.LooksLikeKey(d) {
		return errors.New("holds " + redact.Describe(d) + ", not a domain")
	}
	for i := 0; i < len(d); i++ {
		if c := d[i]; c <= ' ' || c >= 0x7f {
			return errors.New("holds white space, a control character or non-ASCII (write an internationalised name in its xn-- form)")
		}
	}
	if d != strings.ToLower(d) {
		return errors.New("has upper-case letters, which no browser sends in a host; write it in lower case")
	}
	if strings.ContainsAny(d, "/?#@:") {
		return errors.New("is neither an origin (https://www.example.com) nor a bare domain (www.example.com): a domain has no path, port, query or user name")
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return errors.New("is not a DNS name: each dot-separated label is 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen")
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !(c >= 'a' && c <= 'z' || isDigit(c) || c == '-') {
				return errors.New("is not a DNS name: each dot-separated label is 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen")
			}
		}
	}
	return nil
}

// MatchMapKit reports whether a page whose Origin header is origin may use a
// token with the origin claim claim: origin is what a browser sends
// ([CheckBrowser]) and equals an origin entry, or its host is a domain entry
// or lies under a domain pattern (for https and http pages, on any port: Apple's
// page writes a domain "without a URL scheme", so it names hosts only). A
// claim that [CheckMapKit] refuses matches nothing, and so does an Origin
// header no browser sends (upper case, the scheme's default port), since
// Apple compares the header exactly ("Debugging an Invalid token"). maps
// hands out tokens by this function and mapstest accepts them by it, so the
// two cannot disagree about a page.
func MatchMapKit(claim, origin string) bool {
	if CheckMapKit(claim) != nil || CheckBrowser(origin) != nil {
		return false
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	web := u.Scheme == "https" || u.Scheme == "http"
	host := u.Hostname()
	for _, e := range strings.Split(claim, ",") {
		e = strings.Trim(e, " ")
		switch {
		case strings.Contains(e, "://"):
			if e == origin {
				return true
			}
		case strings.HasPrefix(e, "*."):
			if web && strings.HasSuffix(host, e[1:]) {
				return true
			}
		default:
			if web && host == e {
				return true
			}
		}
	}
	return false
}

// CheckScope reports why scope, a Maps token's space-separated scope claim,
// cannot go in a token whose origin claim is present (hasOrigin) or absent:
// an empty word, a character no scope has, or mapkit_js without an origin,
// which Apple requires with it. Words Apple may add later are let through.
func CheckScope(scope string, hasOrigin bool) error {
	if scope == "" {
		return errors.New("the scope claim is empty; leave it out, or name the Maps services the token is for")
	}
	if len(scope) > 1024 {
		return errors.New("the scope claim is " + redact.Bytes(len(scope)) + ", longer than a list of Maps services can be")
	}
	for _, w := range strings.Split(scope, " ") {
		if w == "" {
			return errors.New("the scope claim has an empty word: separate its words with one space")
		}
		for i := 0; i < len(w); i++ {
			if c := w[i]; !(c >= 'a' && c <= 'z' || isDigit(c) || c == '_') {
				return errors.New("the scope claim has a word that is not lower-case letters, digits and underscores, as Apple's scopes are (server_api, mapkit_js)")
			}
		}
		if w == ScopeMapKitJS && !hasOrigin {
			return errors.New("the scope claim holds mapkit_js but the token has no origin claim, which Apple requires with it")
		}
	}
	return nil
}
