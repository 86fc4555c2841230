package musickit

import (
	"encoding/json"

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
func NewTokenSource(cfg Config) (ascjwt.TokenSource, error) {
	set, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	return devtoken.New(devtoken.Spec{
		Package: "musickit", KeyID: set.keyID, Signer: set.signer,
		Payload: func(iat, exp int64) ([]byte, error) {
			return json.Marshal(payload{Issuer: set.teamID, IssuedAt: iat, Expiry: exp, Origin: set.origins})
		},
		Backdate: clockSkew, Lifetime: set.lifetime, DropInterval: dropInterval,
		Hosts: hosts, Now: set.now, Hooks: set.hooks,
	}), nil
}

// hosts are where the tokens go: Apple Music API's host.
var hosts = []string{"api.music.apple.com"}

// dropInterval is how often a 401 may drop a token: a fresh token cures a
// token the server stopped trusting, not a revoked key.
const dropInterval = devtoken.DropInterval

// payload is the claims of a developer token, in the order Apple's page
// lists them. iat is backdated by clockSkew, so that a server whose clock
// is behind ours does not see a token from the future, and exp is iat +
// lifetime, so that a server whose clock is ahead does not see a token that
// lives longer than Apple allows.
type payload struct {
	Issuer   string   `json:"iss"`
	IssuedAt int64    `json:"iat"`
	Expiry   int64    `json:"exp"`
	Origin   []string `json:"origin,omitempty"`
}
