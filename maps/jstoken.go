package maps

import (
	"context"
	"fmt"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/origin"
	"github.com/ascjwt/ascjwt/internal/redact"
	"github.com/ascjwt/ascjwt/internal/token"
	"github.com/ascjwt/ascjwt/internal/tokencache"
)

// JSTokenSource makes MapKit JS tokens, the signed JWTs a web page passes
// to MapKit JS from its authorizationCallback ("Creating and Using Tokens
// with MapKit JS", "Creating and using tokens with Maps Server API"). Each
// token is signed in memory (or by your KMS) and reused for most of its
// life, one per origin claim. It is safe for concurrent use.
type JSTokenSource struct {
	claims  []jsClaim                                  // in the order given
	byClaim map[string]*tokencache.Cache[ascjwt.Token] // the same, by claim
	only    *tokencache.Cache[ascjwt.Token]            // the one cache, when there is one
	open    bool                                       // made for no origin: any website
}

// jsClaim is one origin claim and the cache of its tokens.
type jsClaim struct {
	claim string
	cache *tokencache.Cache[ascjwt.Token]
}

// MaxOrigins is the most origins one [JSTokenSource] takes: one cached
// token each.
const MaxOrigins = 100

// ScopeMapKitJS is the "scope" claim of the MapKit JS tokens made for an
// origin. Apple's page lists it among the token scopes and requires an
// origin claim with it; a token scoped to MapKit JS is worth nothing to the
// Maps Server API should it be copied out of a page.
const ScopeMapKitJS = origin.ScopeMapKitJS

// NewJSTokenSource checks cfg and origins and returns a source of MapKit JS
// tokens.
//
// With no origins, its tokens carry neither an origin nor a scope claim
// (Apple requires an origin with the mapkit_js scope) and work on any
// website; Apple advises restricting them. With origins, each one becomes
// the origin claim of its own token, which also carries the scope
// [ScopeMapKitJS]; pick a page's token with [JSTokenSource.TokenFor] and the
// request's Origin header. An origin is what Apple's page "Creating and
// using tokens with Maps Server API" allows in the claim:
//
//   - an origin as the browser's Origin header sends it, which Apple
//     compares exactly ("Debugging an Invalid token"): scheme://host or
//     scheme://host:port, lower case, no path, no trailing slash, no query,
//     and no port when it is the scheme's default (443 for https, 80 for
//     http);
//   - a bare domain, www.example.com, for that host under http or https;
//   - a domain pattern, *.example.com, for every host under example.com
//     (not example.com itself);
//   - a comma-separated list of those, "example.com,*.example.com", for one
//     token that every site in it may use.
//
// Anything else could never match and is refused, naming the origin's
// position.
func NewJSTokenSource(cfg Config, origins ...string) (*JSTokenSource, error) {
	set, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	if len(origins) > MaxOrigins {
		return nil, fmt.Errorf("maps: %d origins given, more than the %d one MapKit JS token source takes; make a source per group of sites", len(origins), MaxOrigins)
	}
	j := &JSTokenSource{byClaim: make(map[string]*tokencache.Cache[ascjwt.Token], len(origins))}
	for i, o := range origins {
		if err := origin.CheckMapKit(o); err != nil {
			return nil, fmt.Errorf("maps: origin %d of %d: %w", i+1, len(origins), err)
		}
		if _, dup := j.byClaim[o]; dup {
			return nil, fmt.Errorf("maps: origin %d of %d is listed before; list each origin once", i+1, len(origins))
		}
		c := newJSCache(set, o, ScopeMapKitJS)
		j.byClaim[o] = c
		j.claims = append(j.claims, jsClaim{claim: o, cache: c})
	}
	switch len(origins) {
	case 0:
		j.only, j.open = newJSCache(set, "", ""), true // no origin claim: any website
	case 1:
		j.only = j.claims[0].cache
	}
	return j, nil
}

func newJSCache(set *settings, origin, scope string) *tokencache.Cache[ascjwt.Token] {
	return tokencache.New(tokencache.Config[ascjwt.Token]{
		Mint: func(ctx context.Context, now time.Time) (ascjwt.Token, tokencache.Lifetimes, error) {
			s, life, err := set.sign(ctx, now, origin, scope)
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
		return nil, fmt.Errorf("maps: this MapKit JS token source was made for %d origins; call TokenFor with the Origin header of the page's request", len(j.claims))
	}
	return j.only.Token(ctx)
}

// TokenFor returns the token for origin, the Origin header of the request
// from the web page: the token whose origin claim is exactly origin, or
// else the first, in the order the source was made with, whose claim
// covers it (a domain, a domain pattern, a list naming it). An origin no
// claim covers gets an error wrapping [ErrOriginNotAllowed], so that a
// handler can answer 403. A source made for no origin returns its one token
// whatever origin is.
func (j *JSTokenSource) TokenFor(ctx context.Context, o string) (*ascjwt.Token, error) {
	if j.open {
		return j.only.Token(ctx)
	}
	if c, ok := j.byClaim[o]; ok {
		return c.Token(ctx)
	}
	for _, c := range j.claims {
		if origin.MatchMapKit(c.claim, o) {
			return c.cache.Token(ctx)
		}
	}
	return nil, fmt.Errorf("%w (it is %s)", ErrOriginNotAllowed, redact.Describe(o))
}

// TokenHosts implements [ascjwt.HostScoped] with no hosts: MapKit JS
// tokens are for browsers, so a [ascjwt.Transport] given this source sends
// them to loopback only.
func (j *JSTokenSource) TokenHosts() []string { return []string{} }

// CheckOrigin reports why origin cannot be the Origin header a browser
// sends, or nil if it can: scheme://host[:port] in lower case, without a
// path or a trailing slash, and without the scheme's default port. An
// origin claim of that form must equal the header exactly ("Debugging an
// Invalid token": it "must match exactly, include the protocol"), so a
// handler can check a request's Origin header with it before
// [JSTokenSource.TokenFor]. A wildcard is refused: it belongs in a domain
// pattern (*.example.com), which [NewJSTokenSource] takes and no browser
// sends. The error describes origin, never quotes it.
func CheckOrigin(o string) error {
	if err := origin.CheckBrowser(o); err != nil {
		return fmt.Errorf("the origin %w; write it as the browser's Origin header sends it, e.g. https://www.example.com", err)
	}
	return nil
}
