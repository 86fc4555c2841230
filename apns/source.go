package apns

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/jws"
	"github.com/ascjwt/ascjwt/internal/tokencache"
)

// NewTokenSource checks cfg and returns an [ascjwt.TokenSource] of APNs
// provider tokens, which DeviceCheck takes too. It refuses, with an error
// that names the limit and where it comes from, what Apple would refuse
// later: a key ID or team ID that is not 10 upper-case letters and digits,
// a key that is not P-256. It makes no token yet; the first call to Token
// does.
//
// The source is also an [ascjwt.Invalidator], an [ascjwt.HostScoped] and an
// [ascjwt.RefusalJudge], so that [ascjwt.Transport] sends its tokens to
// Apple's APNs and DeviceCheck hosts only and retries a refused one once.
// A token is handed out for 40 minutes and replaced in the background, used
// for 50 at most, and never replaced within [MinTokenInterval] of the last.
func NewTokenSource(cfg Config) (ascjwt.TokenSource, error) {
	signer, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	iss, err := json.Marshal(cfg.TeamID)
	if err != nil {
		return nil, fmt.Errorf("apns: encode claims: %w", err)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s := &source{keyID: cfg.KeyID, signer: signer, prefix: append(append([]byte(`{"iss":`), iss...), `,"iat":`...)}
	s.cache = tokencache.New(tokencache.Config[ascjwt.Token]{
		Mint:        s.mint,
		Local:       signer.Local(),
		Timeout:     remoteSignTimeout,
		Now:         now,
		MinInterval: MinTokenInterval,
		Label:       "apns: the signer for key " + cfg.KeyID,
		Prefix:      "apns",
		Minted:      minted(cfg.Hooks, cfg.KeyID),
		Failed:      failed(cfg.Hooks, cfg.KeyID),
	})
	return s, nil
}

// remoteSignTimeout bounds a signature by a key outside the process (a KMS
// or HSM), so that one that hangs does not hold every caller.
const remoteSignTimeout = 30 * time.Second

// source makes APNs tokens; its cache holds and replaces them.
type source struct {
	keyID  string
	signer *jws.Signer
	prefix []byte // `{"iss":"TEAMID","iat":`, encoded once
	cache  *tokencache.Cache[ascjwt.Token]
}

// Token implements [ascjwt.TokenSource]. A cached token costs one atomic
// load and two time comparisons: no lock, no allocation.
func (s *source) Token(ctx context.Context) (*ascjwt.Token, error) { return s.cache.Token(ctx) }

// InvalidateToken implements [ascjwt.Invalidator]: it drops tok if it is
// still the current token and at least [MinTokenInterval] old, so that the
// next caller gets a new one. A younger token is kept: APNs would refuse its
// replacement with 429 TooManyProviderTokenUpdates.
func (s *source) InvalidateToken(tok *ascjwt.Token) { s.cache.Invalidate(tok) }

// mint signs a token with iat at now (see the package doc for why it is not
// backdated). It is handed out until refreshAfter and used until
// expireAfter, both measured from now on the clock that read it.
func (s *source) mint(ctx context.Context, now time.Time, _ *atomic.Bool) (ascjwt.Token, tokencache.Lifetimes, error) {
	iat := now.Unix()
	payload := append(strconv.AppendInt(append(make([]byte, 0, len(s.prefix)+24), s.prefix...), iat, 10), '}')
	value, err := s.signer.Sign(ctx, payload)
	if err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, fmt.Errorf("apns: sign token for key %s: %w", s.keyID, err)
	}
	issued := time.Unix(iat, 0)
	// The token has no exp; Expiry says when Apple stops taking it.
	tok := ascjwt.Token{Value: value, IssuedAt: issued, Expiry: issued.Add(MaxTokenAge)}
	return tok, tokencache.Lifetimes{RefreshAt: now.Add(refreshAfter), ExpireAt: now.Add(expireAfter)}, nil
}

// tokenHosts are the hosts the tokens are for: APNs on its two ports, and
// DeviceCheck on 443.
var tokenHosts = []string{
	"api.push.apple.com:443", "api.push.apple.com:2197",
	"api.sandbox.push.apple.com:443", "api.sandbox.push.apple.com:2197",
	"api.devicecheck.apple.com:443", "api.development.devicecheck.apple.com:443",
}

// TokenHosts implements [ascjwt.HostScoped]: the hosts of [ProductionURL]
// and [SandboxURL] on port 443 or 2197, and of [DeviceCheckURL] and
// [DeviceCheckDevelopmentURL] on 443.
func (s *source) TokenHosts() []string { return tokenHosts }

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
