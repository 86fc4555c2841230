package signinwithapple

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/claims"
	"github.com/ascjwt/ascjwt/internal/tokencache"
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
	set, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	s := &source{settings: set}
	s.cache = tokencache.New(tokencache.Config[ascjwt.Token]{
		Mint:         s.mint,
		Local:        set.signer.Local(),
		Timeout:      remoteSignTimeout,
		Now:          set.now,
		DropInterval: dropInterval,
		Label:        "signinwithapple: the signer for key " + set.keyID,
		Prefix:       "signinwithapple",
		Minted:       minted(set.hooks, set.keyID),
		Failed:       failed(set.hooks, set.keyID),
	})
	return s, nil
}

// source makes client secrets; its cache holds and replaces them.
type source struct {
	*settings
	cache *tokencache.Cache[ascjwt.Token]
}

// String keeps the key and the current secret out of a source printed by
// mistake.
func (s *source) String() string {
	return "signinwithapple.ClientSecretSource{kid:" + s.keyID + "}"
}

// GoString is String, for %#v.
func (s *source) GoString() string { return s.String() }

// Token implements [ascjwt.TokenSource]: Value is the client secret. A
// cached secret costs one atomic load and two time comparisons.
func (s *source) Token(ctx context.Context) (*ascjwt.Token, error) { return s.cache.Token(ctx) }

// InvalidateToken implements [ascjwt.Invalidator]: call it with the token
// whose secret Apple answered "invalid_client", so that the next call signs
// a new one. A token already replaced is left alone, and a token is dropped
// at most once a minute: a new secret cures one Apple stopped trusting (a
// key revoked and made again), not a wrong client ID, key or team, and those
// must not cost a signature per request.
func (s *source) InvalidateToken(tok *ascjwt.Token) { s.cache.Invalidate(tok) }

// TokenHosts implements [ascjwt.HostScoped] with no host: the secret goes
// in a form field to Apple's token endpoint, never in an Authorization
// header, so a [ascjwt.Transport] given this source sends it nowhere but
// loopback.
func (s *source) TokenHosts() []string { return []string{} }

// remoteSignTimeout bounds a signature by a key outside the process (a KMS
// or HSM), so that one that hangs does not hold every caller.
const remoteSignTimeout = 30 * time.Second

// dropInterval is how often InvalidateToken may drop a secret.
const dropInterval = time.Minute

// mint signs a new secret at now: iat a minute back, exp = iat + lifetime.
// It is fresh until a quarter of its lifetime is left and usable until its
// last minute.
func (s *source) mint(ctx context.Context, now time.Time, _ *atomic.Bool) (ascjwt.Token, tokencache.Lifetimes, error) {
	iat := now.Unix() - int64(clockSkew/time.Second)
	exp := iat + int64(s.lifetime/time.Second)
	payload := claims.AppendPayload(make([]byte, 0, len(s.prefix)+48), s.prefix, iat, exp)
	value, err := s.signer.Sign(ctx, payload)
	if err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, fmt.Errorf("signinwithapple: sign client secret with key %s: %w", s.keyID, err)
	}
	expiry := time.Unix(exp, 0)
	left := expiry.Sub(now)
	life := tokencache.Lifetimes{RefreshAt: now.Add(left - s.lifetime/4), ExpireAt: now.Add(left - time.Minute)}
	return ascjwt.Token{Value: value, IssuedAt: time.Unix(iat, 0), Expiry: expiry}, life, nil
}

// minted and failed adapt the hooks to the cache's callbacks: nil when
// unset, so that the cache calls nothing.
func minted(h *ascjwt.Hooks, keyID string) func(*ascjwt.Token, time.Duration) {
	if h == nil || h.TokenMinted == nil {
		return nil
	}
	return func(tok *ascjwt.Token, took time.Duration) {
		h.TokenMinted(ascjwt.TokenMinted{KeyID: keyID, Expiry: tok.Expiry, SignTime: took})
	}
}

func failed(h *ascjwt.Hooks, keyID string) func(error) {
	if h == nil || h.RefreshFailed == nil {
		return nil
	}
	return func(err error) { h.RefreshFailed(ascjwt.RefreshFailed{KeyID: keyID, Err: err}) }
}
