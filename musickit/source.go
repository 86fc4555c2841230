package musickit

import (
	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/devtoken"
)

// NewTokenSource checks cfg and returns an [ascjwt.TokenSource] of Apple
// Music developer tokens. It refuses, with an error that says what to
// change, what Apple would refuse later: a key ID or Team ID that is not 10
// letters and digits, a key that is not P-256, a lifetime over Apple's six
// months, an origin no browser sends. It makes no token yet; the first call
// to Token does.
//
// The source hands out one token for three quarters of its life; then the
// next caller starts a single refresh in the background and every caller
// keeps the current token meanwhile. However many goroutines call at once,
// one signature is made at a time. The source is also an
// [ascjwt.Invalidator], so that [ascjwt.Transport] retries a 401 once with a
// new token (at most one new token a minute for refused tokens), and an
// [ascjwt.HostScoped] whose tokens go to [BaseURL]'s host and loopback only.
//
// The claims are those of Apple's "Generating Developer Tokens", in its
// order: iss, iat backdated a minute (so that a server whose clock is
// behind ours does not see a token from the future), exp iat + the
// lifetime (so that one whose clock is ahead does not see a token that
// lives longer than Apple allows), and origin when Origins is set.
func NewTokenSource(cfg Config) (ascjwt.TokenSource, error) {
	return devtoken.Checked(cfg.validate())
}
