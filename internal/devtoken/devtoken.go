// Package devtoken is the token source of every Apple API whose token is a
// JWT signed with a developer account's key and sent as it is: the App
// Store Connect and App Store Server APIs (the root package), APNs and
// DeviceCheck, MusicKit, WeatherKit, the Sign in with Apple client secret.
// Each package checks its Config and says in a [Spec] what differs (the
// claims, the lifetime, when a token is replaced, which hosts take it, which
// responses refuse it); the cache, the mint, the hooks and the methods
// ascjwt's Transport looks for are here, once, as are the numbers every
// such source shares: [ClockSkew], [DropInterval], [MinLifetime] and
// [RemoteSignTimeout].
//
// It does not import the root package: the token and hook types are
// internal/token's, of which the root's are aliases.
package devtoken

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/ascjwt/ascjwt/internal/jws"
	"github.com/ascjwt/ascjwt/internal/token"
	"github.com/ascjwt/ascjwt/internal/tokencache"
)

// The numbers every developer-token source shares.
const (
	// ClockSkew is how far iat is set before now, so that a server whose
	// clock runs up to this much behind ours does not see a token from the
	// future; with exp = iat + lifetime, one whose clock is ahead does not
	// see a token that lives longer than the API allows.
	ClockSkew = time.Minute
	// DropInterval is how often a refusal may drop a token that no server
	// has accepted yet. A fresh token cures a token the server stopped
	// trusting, but not a request the key may not make (outside the
	// token's scope, a revoked key): without a bound, each such request
	// would cost a signature. A token that was accepted and is now refused
	// was revoked: it is dropped at once.
	DropInterval = time.Minute
	// MinLifetime is the shortest lifetime a source takes: a token is
	// backdated by ClockSkew and never used in its last minute, and needs
	// room between the two to be refreshed in the background.
	MinLifetime = 5 * time.Minute
	// RemoteSignTimeout bounds a signature by a key outside the process (a
	// KMS or HSM): a remote signer that hangs must not hold every caller
	// that waits for a token, nor stop the next refresh from being tried.
	RemoteSignTimeout = 30 * time.Second
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
	// Backdate is how far iat is set before now (ClockSkew, or zero for an
	// API that takes no backdated token); Lifetime is exp - iat.
	Backdate, Lifetime time.Duration
	// Use, when set, says when a token made at now goes stale and when it
	// is no longer handed out. Nil means a quarter of its life before
	// expiry and its last minute.
	Use func(now, expiry time.Time) tokencache.Lifetimes
	// MinInterval is the least time between two tokens (APNs: 20 minutes);
	// DropInterval how often a refused token may be dropped.
	MinInterval, DropInterval time.Duration
	// Hosts are the hosts the tokens are for (ascjwt.HostScoped); empty
	// but not nil means none but loopback.
	Hosts []string
	// Refused, when set, says which responses refuse a token
	// (ascjwt.RefusalJudge); nil means a 401.
	Refused func(*http.Response) bool
	// Retry429, when set, says which 429s may be waited out
	// (ascjwt.RetryPolicy); nil means every one.
	Retry429 func(*http.Response) bool
	// Now is the clock; Hooks are told of tokens made and failures.
	Now   func() time.Time
	Hooks *token.Hooks
}

// Source hands out one API's tokens from the shared cache. It is an
// ascjwt.TokenSource, Invalidator, AcceptanceRecorder, HostScoped,
// RefusalJudge and RetryPolicy.
type Source struct {
	spec  Spec
	cache *tokencache.Cache[token.Token]
}

// Checked returns New(spec), or err alone: an API package's constructor is
// return devtoken.Checked(cfg.validate()), so that a refused Config gives a
// nil source and a checked one a Source.
func Checked(spec Spec, err error) (token.Source, error) {
	if err != nil {
		return nil, err
	}
	return New(spec), nil
}

// New returns a Source for spec, which the API package has checked. It
// makes no token yet.
func New(spec Spec) *Source {
	s := &Source{spec: spec}
	s.cache = tokencache.New(tokencache.Config[token.Token]{
		Mint:         s.mint,
		Local:        spec.Signer.Local(),
		Timeout:      RemoteSignTimeout,
		Now:          spec.Now,
		MinInterval:  spec.MinInterval,
		DropInterval: spec.DropInterval,
		Label:        spec.Package + ": the signer for key " + spec.KeyID,
		Prefix:       spec.Package,
		Minted:       token.Minted(spec.Hooks, spec.KeyID),
		Failed:       token.Failed(spec.Hooks, spec.KeyID),
	})
	return s
}

// Token implements ascjwt.TokenSource. A cached token costs one atomic
// load and two time comparisons: no lock, no allocation.
func (s *Source) Token(ctx context.Context) (*token.Token, error) { return s.cache.Token(ctx) }

// InvalidateToken implements ascjwt.Invalidator: it drops tok if it is
// still the current token, within the Spec's MinInterval and DropInterval.
func (s *Source) InvalidateToken(tok *token.Token) { s.cache.Invalidate(tok) }

// TokenAccepted implements ascjwt.AcceptanceRecorder: a token a server
// accepted and then refuses is replaced at once.
func (s *Source) TokenAccepted(tok *token.Token) { s.cache.Accepted(tok) }

// TokenHosts implements ascjwt.HostScoped.
func (s *Source) TokenHosts() []string { return s.spec.Hosts }

// RefusedToken implements ascjwt.RefusalJudge.
func (s *Source) RefusedToken(resp *http.Response) bool {
	if s.spec.Refused != nil {
		return s.spec.Refused(resp)
	}
	return resp.StatusCode == http.StatusUnauthorized
}

// Retry429 implements ascjwt.RetryPolicy.
func (s *Source) Retry429(resp *http.Response) bool {
	return s.spec.Retry429 == nil || s.spec.Retry429(resp)
}

// String keeps the key and the current token out of a source printed by
// mistake.
func (s *Source) String() string { return s.spec.Package + ".TokenSource{kid:" + s.spec.KeyID + "}" }

// GoString is String, for %#v.
func (s *Source) GoString() string { return s.String() }

// mint signs a token at now: iat Backdate before now, exp iat + Lifetime.
func (s *Source) mint(ctx context.Context, now time.Time) (token.Token, tokencache.Lifetimes, error) {
	iat := now.Unix() - int64(s.spec.Backdate/time.Second)
	exp := iat + int64(s.spec.Lifetime/time.Second)
	payload, err := s.spec.Payload(iat, exp)
	if err != nil {
		return token.Token{}, tokencache.Lifetimes{}, fmt.Errorf("%s: encode claims: %w", s.spec.Package, err)
	}
	value, err := s.spec.Signer.Sign(ctx, payload)
	if err != nil {
		return token.Token{}, tokencache.Lifetimes{}, fmt.Errorf("%s: sign token for key %s: %w", s.spec.Package, s.spec.KeyID, err)
	}
	expiry := time.Unix(exp, 0)
	var life tokencache.Lifetimes
	if s.spec.Use != nil {
		life = s.spec.Use(now, expiry)
	} else {
		// Fresh until a quarter of the lifetime is left, usable until the
		// last minute, both measured from now on the clock that read it.
		left := expiry.Sub(now) // from now until exp, on the wall clock
		life = tokencache.Lifetimes{RefreshAt: now.Add(left - s.spec.Lifetime/4), ExpireAt: now.Add(left - time.Minute)}
	}
	return token.New(value, time.Unix(iat, 0), expiry), life, nil
}
