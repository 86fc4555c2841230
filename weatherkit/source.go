package weatherkit

import (
	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/devtoken"
)

// NewTokenSource checks cfg and returns an [ascjwt.TokenSource] of
// WeatherKit developer tokens. It refuses, with an error that says what to
// change, what Apple would refuse later: a key ID or Team ID that is not 10
// letters and digits, a Service ID that is not a reverse-DNS identifier, a
// key that is not P-256, a lifetime outside [MinLifetime] and
// [MaxLifetime]. It makes no token yet; the first call to Token does.
//
// The source hands out one token for three quarters of its life; then the
// next caller starts a single refresh in the background and every caller
// keeps the current token meanwhile. However many goroutines call at once,
// one signature is made at a time. The source is also an
// [ascjwt.Invalidator], so that [ascjwt.Transport] retries a 401 once with a
// new token (at most one new token a minute for refused tokens), and an
// [ascjwt.HostScoped] whose tokens go to [BaseURL]'s host and loopback only.
//
// The claims are iss, iat, exp and sub, in the order Apple's page lists
// them, and no others; iat is backdated a minute and exp is iat + the
// lifetime, so that a server whose clock is a minute off either way takes
// the token.
func NewTokenSource(cfg Config) (ascjwt.TokenSource, error) {
	return devtoken.Checked(cfg.validate())
}
