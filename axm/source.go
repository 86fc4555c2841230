package axm

import (
	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/exchange"
)

// NewTokenSource checks cfg and returns an [ascjwt.TokenSource] of access
// tokens for the Apple School Manager or Apple Business Manager API. It
// refuses, with an error that says what to change, what Apple would refuse
// later: a missing key ID, a client ID without its BUSINESSAPI. or
// SCHOOLAPI. prefix, a scope that does not match it, a key that is not
// P-256, an assertion lifetime over 180 days, a token URL the assertion
// should not go to. It makes no exchange yet; the first call to Token does.
//
// The source is also an [ascjwt.Invalidator], so that [ascjwt.Transport]
// drops a token the API refuses with 401, and an [ascjwt.HostScoped], so
// that the Transport sends its tokens to the API of the client ID's kind
// (and loopback, for tests) and to no other host.
func NewTokenSource(cfg Config) (ascjwt.TokenSource, error) {
	return exchange.Checked(cfg.validate, newSource)
}

// newSource makes the source of checked settings.
func newSource(set *settings) *source {
	s := &source{settings: set}
	s.Source = exchange.NewBearer(endpoint, set.client, set.now, set.hooks, set.keyID, s.request)
	return s
}

// endpoint is Apple's token endpoint as the exchange describes it in
// errors.
var endpoint = exchange.Endpoint{Package: "axm", Credential: "assertion", Format: exchange.OAuth, Hint: hint}

// source makes access tokens: the embedded exchange source holds and
// replaces them, and gives the source Token and InvalidateToken.
type source struct {
	*settings
	*exchange.Source[ascjwt.Token]
}

// TokenHosts implements [ascjwt.HostScoped]: an access token for
// business.api goes to api-business.apple.com, one for school.api to
// api-school.apple.com.
func (s *source) TokenHosts() []string {
	if s.scope == ScopeSchool {
		return []string{"api-school.apple.com"}
	}
	return []string{"api-business.apple.com"}
}
