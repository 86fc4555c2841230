package maps

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/redact"
	"github.com/ascjwt/ascjwt/internal/token"
	"github.com/ascjwt/ascjwt/internal/tokencache"
)

// JSTokenSource makes MapKit JS tokens, the signed JWTs a web page passes
// to MapKit JS from its authorizationCallback ("Creating and Using Tokens
// with MapKit JS"). Each token is signed in memory (or by your KMS) and
// reused for most of its life, one per origin. It is safe for concurrent
// use.
type JSTokenSource struct {
	byOrigin map[string]*tokencache.Cache[ascjwt.Token]
	only     *tokencache.Cache[ascjwt.Token] // the one cache, when there is one
}

// Limits on the origins a [JSTokenSource] is made for.
const (
	// MaxOrigins is the most origins one source takes: one cached token
	// each.
	MaxOrigins = 100
	// maxOriginLen bounds an origin: a scheme, a DNS name of at most 253
	// bytes and a port.
	maxOriginLen = 300
)

// NewJSTokenSource checks cfg and origins and returns a source of MapKit JS
// tokens. With no origins, its tokens carry no origin claim and work on any
// website (Apple advises restricting them). With origins, each token
// carries one origin claim, which Apple compares exactly with the Origin
// header the browser sends: pick the token with [JSTokenSource.TokenFor] and
// the request's Origin header. Each origin must be what a browser sends:
// scheme://host or scheme://host:port, lower case, no path, no trailing
// slash, no query, and no port when it is the scheme's default (443 for
// https, 80 for http). Anything else could never match and is refused, as
// is a wildcard (*), which Apple's pages do not document.
func NewJSTokenSource(cfg Config, origins ...string) (*JSTokenSource, error) {
	set, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	if len(origins) > MaxOrigins {
		return nil, fmt.Errorf("maps: %d origins given, more than the %d one MapKit JS token source takes; make a source per group of sites", len(origins), MaxOrigins)
	}
	j := &JSTokenSource{byOrigin: make(map[string]*tokencache.Cache[ascjwt.Token], len(origins))}
	for i, o := range origins {
		if err := CheckOrigin(o); err != nil {
			return nil, fmt.Errorf("maps: origin %d of %d: %w", i+1, len(origins), err)
		}
		if _, dup := j.byOrigin[o]; dup {
			return nil, fmt.Errorf("maps: origin %d of %d is listed before; list each origin once", i+1, len(origins))
		}
		j.byOrigin[o] = newJSCache(set, o)
	}
	switch len(origins) {
	case 0:
		j.only = newJSCache(set, "") // no origin claim: any website
		j.byOrigin[""] = j.only
	case 1:
		j.only = j.byOrigin[origins[0]]
	}
	return j, nil
}

func newJSCache(set *settings, origin string) *tokencache.Cache[ascjwt.Token] {
	return tokencache.New(tokencache.Config[ascjwt.Token]{
		Mint: func(ctx context.Context, now time.Time) (ascjwt.Token, tokencache.Lifetimes, error) {
			s, life, err := set.sign(ctx, now, origin, "")
			return token.New(s.value, s.iat, s.exp), life, err
		},
		Local:   set.signer.Local(),
		Timeout: ExchangeTimeout,
		Now:     set.now,
		Label:   "maps: the signer for key " + set.keyID,
		Prefix:  "maps",
		Minted:  token.Minted(set.hooks, set.keyID),
		Failed:  token.Failed(set.hooks, set.keyID),
	})
}

// Token returns the token of a source made for no origin or for one. A
// source made for several origins needs to know which: use TokenFor.
func (j *JSTokenSource) Token(ctx context.Context) (*ascjwt.Token, error) {
	if j.only == nil {
		return nil, fmt.Errorf("maps: this MapKit JS token source was made for %d origins; call TokenFor with the Origin header of the page's request", len(j.byOrigin))
	}
	return j.only.Token(ctx)
}

// TokenFor returns the token for origin, the Origin header of the request
// from the web page: a token whose origin claim is exactly origin. An
// origin the source was not made for gets an error wrapping
// [ErrOriginNotAllowed], so that a handler can answer 403. A source made for
// no origin returns its one token whatever origin is.
func (j *JSTokenSource) TokenFor(ctx context.Context, origin string) (*ascjwt.Token, error) {
	if c, ok := j.byOrigin[""]; ok {
		return c.Token(ctx)
	}
	c, ok := j.byOrigin[origin]
	if !ok {
		return nil, fmt.Errorf("%w (it is %s)", ErrOriginNotAllowed, redact.Describe(origin))
	}
	return c.Token(ctx)
}

// TokenHosts implements [ascjwt.HostScoped] with no hosts: MapKit JS
// tokens are for browsers, so a [ascjwt.Transport] given this source sends
// them to loopback only.
func (j *JSTokenSource) TokenHosts() []string { return []string{} }

// CheckOrigin reports why origin cannot be the origin claim of a MapKit JS
// token that a browser's request would match, or nil if it can. Apple
// compares the claim with the Origin header exactly ("Debugging an Invalid
// token": it "must match exactly, include the protocol"), and a browser
// sends scheme://host[:port] in lower case, without a path or a trailing
// slash, and without the scheme's default port. A wildcard is refused:
// Apple's pages document none. The error describes origin, never quotes it.
func CheckOrigin(origin string) error {
	const want = "write it as the browser's Origin header sends it, e.g. https://www.example.com"
	switch {
	case origin == "":
		return fmt.Errorf("the origin is empty; %s, or give no origins for a token any website may use", want)
	case len(origin) > maxOriginLen:
		return fmt.Errorf("the origin is %s, longer than an origin can be; %s", redact.Bytes(len(origin)), want)
	case redact.LooksLikeKey(origin):
		return fmt.Errorf("the origin holds %s; %s", redact.Describe(origin), want)
	case strings.Contains(origin, "*"):
		return fmt.Errorf("the origin holds a wildcard (*), which Apple's pages do not document and no Origin header contains; list each origin")
	}
	for i := 0; i < len(origin); i++ {
		if c := origin[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("the origin holds white space, a control character or a non-ASCII byte (at byte %d); %s (an internationalized name in its xn-- form)", i, want)
		}
	}
	scheme, rest, ok := strings.Cut(origin, "://")
	if !ok || !validScheme(scheme) {
		return fmt.Errorf("the origin has no scheme; Apple matches it against the Origin header, which always has one: %s", want)
	}
	if scheme != strings.ToLower(scheme) || rest != strings.ToLower(rest) {
		return fmt.Errorf("the origin has upper-case letters, which no Origin header does; write it in lower case")
	}
	if strings.ContainsAny(rest, "?#") {
		return fmt.Errorf("the origin has a query or fragment, which no Origin header does; %s", want)
	}
	if strings.Contains(rest, "/") {
		if strings.HasSuffix(rest, "/") && strings.Count(rest, "/") == 1 {
			return fmt.Errorf("the origin ends in a slash, which no Origin header does; remove it")
		}
		return fmt.Errorf("the origin has a path, which no Origin header does; keep only scheme://host[:port]")
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("the origin has no host; %s", want)
	}
	if u.User != nil {
		return fmt.Errorf("the origin has a user name, which no Origin header does; %s", want)
	}
	if p := u.Port(); p != "" || strings.HasSuffix(u.Host, ":") {
		n, err := strconv.Atoi(p)
		switch {
		case err != nil || n < 1 || n > 65535 || p[0] == '0':
			return fmt.Errorf("the origin's port is not a number from 1 to 65535 without leading zeros; %s", want)
		case scheme == "https" && p == "443", scheme == "http" && p == "80":
			return fmt.Errorf("the origin names its scheme's default port, which browsers leave out of the Origin header; remove the port")
		}
	}
	return nil
}

// validScheme reports whether s is a URL scheme (RFC 3986): a letter, then
// letters, digits, "+", "-" or ".". Browsers send schemes other than
// http and https for some pages (safari-web-extension://, say).
func validScheme(s string) bool {
	if s == "" || s[0] < 'A' || (s[0] > 'Z' && s[0] < 'a') || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
