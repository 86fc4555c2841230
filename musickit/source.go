package musickit

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/tokencache"
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
	s := &source{settings: set}
	s.cache = tokencache.New(tokencache.Config[ascjwt.Token]{
		Mint:         s.mint,
		Local:        set.signer.Local(),
		Timeout:      remoteSignTimeout,
		Now:          set.now,
		DropInterval: dropInterval,
		Label:        "musickit: the signer for key " + set.keyID,
		Prefix:       "musickit",
		Minted:       minted(set.hooks, set.keyID),
		Failed:       failed(set.hooks, set.keyID),
	})
	return s, nil
}

// source makes developer tokens; its cache holds and replaces them.
type source struct {
	*settings
	cache *tokencache.Cache[ascjwt.Token]
}

// hosts are where the tokens go: Apple Music API's host.
var hosts = []string{"api.music.apple.com"}

// Token implements [ascjwt.TokenSource]. A cached token costs one atomic
// load and two time comparisons.
func (s *source) Token(ctx context.Context) (*ascjwt.Token, error) { return s.cache.Token(ctx) }

// InvalidateToken implements [ascjwt.Invalidator]: it drops tok if it is
// still the current token, at most once a minute, since a 401 that a new
// token does not cure (a revoked key) must not cost a signature a request.
func (s *source) InvalidateToken(tok *ascjwt.Token) { s.cache.Invalidate(tok) }

// TokenHosts implements [ascjwt.HostScoped].
func (s *source) TokenHosts() []string { return hosts }

// remoteSignTimeout bounds a signature by a key outside the process (a KMS
// or HSM), so that one that hangs holds no caller for longer.
const remoteSignTimeout = 30 * time.Second

// dropInterval is how often a 401 may drop a token: a fresh token cures a
// token the server stopped trusting, not a revoked key.
const dropInterval = time.Minute

// payload is the claims of a developer token, in the order Apple's page
// lists them.
type payload struct {
	Issuer   string   `json:"iss"`
	IssuedAt int64    `json:"iat"`
	Expiry   int64    `json:"exp"`
	Origin   []string `json:"origin,omitempty"`
}

// mint signs a new token. iat is backdated by clockSkew, so that a server
// whose clock is behind ours does not see a token from the future, and exp
// is iat + lifetime, so that a server whose clock is ahead does not see a
// token that lives longer than Apple allows. The token is fresh until a
// quarter of its lifetime is left and usable until its last minute.
func (s *source) mint(ctx context.Context, now time.Time, _ *atomic.Bool) (ascjwt.Token, tokencache.Lifetimes, error) {
	iat := now.Unix() - int64(clockSkew/time.Second)
	exp := iat + int64(s.lifetime/time.Second)
	body, err := json.Marshal(payload{Issuer: s.teamID, IssuedAt: iat, Expiry: exp, Origin: s.origins})
	if err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, fmt.Errorf("musickit: encode claims: %w", err)
	}
	value, err := s.signer.Sign(ctx, body)
	if err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, fmt.Errorf("musickit: sign token for key %s: %w", s.keyID, err)
	}
	expiry := time.Unix(exp, 0)
	left := expiry.Sub(now) // from now until exp, on the wall clock
	life := tokencache.Lifetimes{RefreshAt: now.Add(left - s.lifetime/4), ExpireAt: now.Add(left - time.Minute)}
	return ascjwt.Token{Value: value, IssuedAt: time.Unix(iat, 0), Expiry: expiry}, life, nil
}

// minted and failed adapt cfg.Hooks to the cache's callbacks: nil when
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
