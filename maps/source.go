package maps

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/exchange"
	"github.com/ascjwt/ascjwt/internal/tokencache"
)

// NewTokenSource checks cfg and returns an [ascjwt.TokenSource] of Maps
// Server API access tokens: each one fetched from the token endpoint with a
// JWT signed by cfg's key, and held until shortly before it expires. It
// refuses, with an error that says what to change, what Apple would refuse
// later: an ID that is not 10 upper-case letters and digits, a key that is
// not P-256, a lifetime out of bounds, a TokenURL that is not https. It
// makes no token yet; the first call to Token does.
//
// The source is an [ascjwt.Invalidator], so that [ascjwt.Transport] drops an
// access token the Maps API refuses with 401 and retries with a new one,
// and an [ascjwt.HostScoped] for [Host]: the Transport sends its tokens
// there (and to loopback, for tests) and to no other host.
func NewTokenSource(cfg Config) (ascjwt.TokenSource, error) {
	return exchange.Checked(cfg.validate, newSource)
}

// newSource makes the source of checked settings.
func newSource(set *settings) *source {
	s := &source{settings: set, jwt: newJWTCache(set, "", ScopeServerAPI)}
	s.Source = exchange.NewBearer(endpoint, set.client, set.now, set.hooks, set.keyID, s.request)
	return s
}

// endpoint is Apple's token endpoint as the exchange describes it in
// errors.
var endpoint = exchange.Endpoint{Package: "maps", Credential: "JWT", Format: exchange.Maps, Hint: hint}

// ScopeServerAPI is the "scope" claim of a JWT for the Maps Server API: "To
// use Maps Server API, set the value to "server_api"" ("Creating and using
// tokens with Maps Server API").
const ScopeServerAPI = "server_api"

// source makes Maps Server API access tokens. jwt holds the signed JWT, for
// its own life; the embedded exchange source holds the access token
// exchanged for it, and gives the source Token and InvalidateToken.
type source struct {
	*settings
	jwt *tokencache.Cache[string]
	*exchange.Source[ascjwt.Token]
}

// TokenHosts implements [ascjwt.HostScoped]: access tokens are for the Maps
// Server API's host only.
func (s *source) TokenHosts() []string { return []string{Host} }

// request makes one exchange's request: a GET of the token endpoint with
// the current JWT as its bearer. A 401 means Apple refused the JWT, not an
// access token: it is dropped, so that the next exchange signs a new one
// rather than sending the one refused.
func (s *source) request(ctx context.Context, _ time.Time) (exchange.Attempt, error) {
	jwt, err := s.jwt.Token(ctx)
	if err != nil {
		return exchange.Attempt{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.tokenURL, nil)
	if err != nil {
		return exchange.Attempt{}, fmt.Errorf("maps: make the token request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+*jwt)
	req.Header.Set("Accept", "application/json")
	return exchange.Attempt{Request: req, Secret: *jwt, Refused: func() { s.jwt.Invalidate(jwt) }}, nil
}
