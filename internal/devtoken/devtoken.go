// Package devtoken is the token source of every Apple API whose token is a
// JWT signed with a developer account's key and sent as it is: APNs and
// DeviceCheck, MusicKit, WeatherKit, the Sign in with Apple client secret.
// Each API package checks its Config and says in a [Spec] what differs (the
// claims, the lifetime, when a token is replaced, which hosts take it, which
// answers refuse it); the cache, the signing, the hooks and the interfaces
// ascjwt's Transport looks for are here, once.
package devtoken

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/jws"
	"github.com/ascjwt/ascjwt/internal/tokencache"
)

// Spec says how one API's tokens are made and used.
type Spec struct {
	// Package is the API package's name, which starts every error.
	Package string
	// KeyID names the key in errors and hooks.
	KeyID string
	// Signer signs the tokens with the header the API asks for.
	Signer *jws.Signer
	// Payload encodes the claims of a token issued at iat that expires at
	// exp (Unix seconds); an API without exp ignores it.
	Payload func(iat, exp int64) ([]byte, error)
	// Backdate is how far iat is set before now, for a server whose clock
	// is behind ours; Lifetime is exp - iat.
	Backdate, Lifetime time.Duration
	// Use, when set, says when a token made at now goes stale and when it
	// is no longer handed out. Nil means a quarter of its life before
	// expiry and its last minute.
	Use func(now, expiry time.Time) tokencache.Lifetimes
	// MinInterval is the least time between two tokens (APNs: 20 minutes);
	// DropInterval how often a refused token may be dropped.
	MinInterval, DropInterval time.Duration
	// Hosts are the hosts the tokens are for ([ascjwt.HostScoped]); empty
	// but not nil means none but loopback.
	Hosts []string
	// Refused, when set, says which answers refuse a token
	// ([ascjwt.RefusalJudge]); nil means a 401.
	Refused func(*http.Response) bool
	// Now is the clock; Hooks are told of tokens made and failures.
	Now   func() time.Time
	Hooks *ascjwt.Hooks
}

// signTimeout bounds a signature by a key outside the process (a KMS or
// HSM), so that one that hangs does not hold every caller.
const signTimeout = 30 * time.Second

// Source hands out one API's tokens from the shared cache. It is an
// [ascjwt.TokenSource], [ascjwt.Invalidator], [ascjwt.AcceptanceRecorder],
// [ascjwt.HostScoped] and [ascjwt.RefusalJudge].
type Source struct {
	spec  Spec
	cache *tokencache.Cache[ascjwt.Token]
}

// New returns a Source for spec, which the API package has checked. It
// makes no token yet.
func New(spec Spec) *Source {
	s := &Source{spec: spec}
	s.cache = tokencache.New(tokencache.Config[ascjwt.Token]{
		Mint:         s.mint,
		Local:        spec.Signer.Local(),
		Timeout:      signTimeout,
		Now:          spec.Now,
		MinInterval:  spec.MinInterval,
		DropInterval: spec.DropInterval,
		Label:        spec.Package + ": the signer for key " + spec.KeyID,
		Prefix:       spec.Package,
		Minted:       Minted(spec.Hooks, spec.KeyID),
		Failed:       Failed(spec.Hooks, spec.KeyID),
	})
	return s
}

// Token implements [ascjwt.TokenSource]. A cached token costs one atomic
// load and two time comparisons: no lock, no allocation.
func (s *Source) Token(ctx context.Context) (*ascjwt.Token, error) { return s.cache.Token(ctx) }

// InvalidateToken implements [ascjwt.Invalidator]: it drops tok if it is
// still the current token, within the Spec's MinInterval and DropInterval.
func (s *Source) InvalidateToken(tok *ascjwt.Token) { s.cache.Invalidate(tok) }

// TokenAccepted implements [ascjwt.AcceptanceRecorder]: a token a server
// accepted and then refuses is replaced at once.
func (s *Source) TokenAccepted(tok *ascjwt.Token) { s.cache.Accepted(tok) }

// TokenHosts implements [ascjwt.HostScoped].
func (s *Source) TokenHosts() []string { return s.spec.Hosts }

// RefusedToken implements [ascjwt.RefusalJudge].
func (s *Source) RefusedToken(resp *http.Response) bool {
	if s.spec.Refused != nil {
		return s.spec.Refused(resp)
	}
	return resp.StatusCode == http.StatusUnauthorized
}

// String keeps the key and the current token out of a source printed by
// mistake.
func (s *Source) String() string { return s.spec.Package + ".TokenSource{kid:" + s.spec.KeyID + "}" }

// GoString is String, for %#v.
func (s *Source) GoString() string { return s.String() }

// Refreshing reports whether a background refresh is under way; tests wait
// on it.
func (s *Source) Refreshing() bool { return s.cache.Refreshing() }

// mint signs a token at now: iat Backdate before now, exp iat + Lifetime.
func (s *Source) mint(ctx context.Context, now time.Time) (ascjwt.Token, tokencache.Lifetimes, error) {
	iat := now.Unix() - int64(s.spec.Backdate/time.Second)
	exp := iat + int64(s.spec.Lifetime/time.Second)
	payload, err := s.spec.Payload(iat, exp)
	if err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, fmt.Errorf("%s: encode claims: %w", s.spec.Package, err)
	}
	value, err := s.spec.Signer.Sign(ctx, payload)
	if err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, fmt.Errorf("%s: sign token for key %s: %w", s.spec.Package, s.spec.KeyID, err)
	}
	expiry := time.Unix(exp, 0)
	var life tokencache.Lifetimes
	if s.spec.Use != nil {
		life = s.spec.Use(now, expiry)
	} else {
		left := expiry.Sub(now) // from now until exp, on the wall clock
		life = tokencache.Lifetimes{RefreshAt: now.Add(left - s.spec.Lifetime/4), ExpireAt: now.Add(left - time.Minute)}
	}
	return ascjwt.Token{Value: value, IssuedAt: time.Unix(iat, 0), Expiry: expiry}, life, nil
}

// Minted and Failed adapt the hooks to the token cache's callbacks, for
// this package's sources and for the exchanged tokens of maps and axm: nil
// when unset, so that the cache calls nothing.
func Minted(h *ascjwt.Hooks, keyID string) func(*ascjwt.Token, time.Duration) {
	if h == nil || h.TokenMinted == nil {
		return nil
	}
	return func(tok *ascjwt.Token, took time.Duration) {
		h.TokenMinted(ascjwt.TokenMinted{KeyID: keyID, Expiry: tok.Expiry, SignTime: took})
	}
}

func Failed(h *ascjwt.Hooks, keyID string) func(error) {
	if h == nil || h.RefreshFailed == nil {
		return nil
	}
	return func(err error) { h.RefreshFailed(ascjwt.RefreshFailed{KeyID: keyID, Err: err}) }
}
