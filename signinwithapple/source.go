package signinwithapple

import (
	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/devtoken"
)

// NewClientSecretSource checks cfg and returns an [ascjwt.TokenSource] whose
// tokens are client secrets: put a token's Value in the client_secret form
// field of a request to [TokenURL]. It refuses, with an error that says what
// to change and which rule of Apple's it follows, everything Apple would
// refuse later with "invalid_client": a key or Team ID that is not a
// 10-character ID, a client ID that is not a bundle ID or Services ID, a key
// that is not P-256, a lifetime over [MaxLifetime]. It makes no secret yet;
// the first call to Token does.
//
// The source hands out one secret for three quarters of its life; then the
// next caller starts a single refresh in the background and every caller
// keeps the current secret meanwhile. However many goroutines call at once,
// one signature is made at a time. The source is also an
// [ascjwt.Invalidator] (see the package doc for when to use it) and an
// [ascjwt.HostScoped] that names no host: the secret is not a bearer token.
func NewClientSecretSource(cfg Config) (ascjwt.TokenSource, error) {
	return devtoken.Checked(cfg.validate())
}

// dropInterval is how often InvalidateToken may drop a secret: call it with
// the token whose secret Apple answered "invalid_client", so that the next
// call signs a new one. A new secret cures one Apple stopped trusting (a key
// revoked and made again), not a wrong client ID, key or team, and those
// must not cost a signature per request.
const dropInterval = devtoken.DropInterval
