package ascjwt

import (
	"context"
	"fmt"
	"time"

	"github.com/ascjwt/ascjwt/internal/claims"
	"github.com/ascjwt/ascjwt/internal/tokencache"
)

// A TokenSource returns tokens to put in the Authorization header. The one
// from [NewTokenSource] is safe for concurrent use and reuses each token for
// most of its life.
//
// A source may implement optional interfaces that the [Transport] looks
// for: [Invalidator], [AcceptanceRecorder], [HostScoped], [RefusalJudge]
// and [RetryPolicy]. A source that wraps another (to log or count its
// tokens, say) keeps them by implementing
//
//	Unwrap() ascjwt.TokenSource
//
// which returns the source inside: the Transport looks for each interface
// on the source it was given, then on what Unwrap returns, and so on, as
// net/http's ResponseController does with a ResponseWriter.
type TokenSource interface {
	// Token returns a token that is valid for at least another minute. The
	// returned [Token] is shared with other callers: read it, do not modify it.
	Token(ctx context.Context) (*Token, error)
}

// An Invalidator is a [TokenSource] that can be told a server refused one of
// its tokens, so that it makes a new one. [Transport] uses it to retry a 401
// once with a fresh token; with a source that is not an Invalidator it hands
// the 401 back untried. The source from [NewTokenSource] is one.
//
// A TokenSource of your own that wraps another (to add logging or metrics,
// say) keeps that retry by implementing Unwrap (see [TokenSource]), or by
// implementing Invalidator too, passing the call on with the same *[Token]
// the inner source returned:
//
//	func (w *logged) InvalidateToken(tok *ascjwt.Token) {
//		if inv, ok := w.inner.(ascjwt.Invalidator); ok {
//			inv.InvalidateToken(tok)
//		}
//	}
type Invalidator interface {
	TokenSource
	// InvalidateToken reports that a server refused tok before its expiry.
	// The source decides what that is worth: the one from [NewTokenSource]
	// drops tok only while it is the current token, at once for a token a
	// server has accepted before and at most once a minute otherwise.
	InvalidateToken(tok *Token)
}

// An AcceptanceRecorder is a [TokenSource] that wants to know which of its
// tokens a server accepted: [Transport] calls TokenAccepted after each 2xx
// response to a request made with one, with the *[Token] the source
// returned. A token that was accepted and is then refused was revoked, or
// outlived the server's trust, which a new token cures; the source from
// [NewTokenSource] replaces such a token at once, where it replaces one
// never accepted at most once a minute (see [Invalidator]). The Transport
// finds it through wrappers that implement Unwrap (see [TokenSource]).
type AcceptanceRecorder interface {
	TokenSource
	// TokenAccepted reports that a server accepted tok. It is called on the
	// request's goroutine, once per successful response, and must return
	// quickly.
	TokenAccepted(tok *Token)
}

// NewTokenSource checks cfg and returns a [TokenSource] that signs tokens with
// it. It refuses, with an error that says what to change, everything Apple
// would refuse later: a missing key ID, a key that is not P-256, a malformed
// scope, a lifetime over Apple's limit. It makes no token yet; the first call
// to [TokenSource.Token] does.
//
// The source hands out one token for three quarters of its life. Then the
// next caller starts a single refresh in the background and every caller
// keeps the current token meanwhile; only when a token is down to its last
// minute do callers wait for its successor. However many goroutines call at
// once, one signature is made at a time.
func NewTokenSource(cfg Config) (TokenSource, error) {
	set, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	prefix, err := set.static.Prefix()
	if err != nil {
		return nil, fmt.Errorf("ascjwt: encode claims: %w", err)
	}
	s := &source{settings: set, prefix: prefix}
	s.cache = tokencache.New(tokencache.Config[Token]{
		Mint:         s.mint,
		Local:        set.signer.Local(),
		Timeout:      remoteSignTimeout,
		Now:          set.now,
		DropInterval: dropInterval,
		Label:        "ascjwt: the signer for key " + set.keyID,
		Prefix:       "ascjwt",
		Minted:       set.hooks.minted(set.keyID),
		Failed:       set.hooks.failed(set.keyID),
	})
	return s, nil
}

// source makes App Store Connect tokens; its cache holds and replaces them.
// It is an [Invalidator], an [AcceptanceRecorder] and a [HostScoped].
type source struct {
	*settings
	prefix []byte // static claims, encoded once
	cache  *tokencache.Cache[Token]
}

// Token implements [TokenSource]. A cached token costs one atomic load and
// two time comparisons: no lock, no allocation.
func (s *source) Token(ctx context.Context) (*Token, error) { return s.cache.Token(ctx) }

// InvalidateToken implements [Invalidator]. It drops tok if it is still the
// current token, so that the next caller waits for a new one; a token that
// was already replaced is left alone, so that many requests refused with one
// token cause one new signature. A token a server has accepted and now
// refuses was revoked or outlived the server's trust: it is dropped at once.
// A token never accepted may be refused for what the request asks (outside
// the token's scope, say), which a new token does not cure: it is dropped
// only if no token was dropped within a minute.
func (s *source) InvalidateToken(tok *Token) { s.cache.Invalidate(tok) }

// TokenAccepted implements [AcceptanceRecorder].
func (s *source) TokenAccepted(tok *Token) { s.cache.Accepted(tok) }

// remoteSignTimeout bounds a signature by a key outside the process (a KMS
// or HSM): a remote signer that hangs must not hold every caller that waits
// for a token, nor stop the next refresh from being tried.
const remoteSignTimeout = 30 * time.Second

// dropInterval is how often a 401 may drop a token that no server has
// accepted yet. A fresh token cures a token the server stopped trusting, but
// not a request the key may not make (outside the token's scope, say):
// without a bound, each such request would cost a signature. A token that
// was accepted and is now refused was revoked: it is dropped at once.
const dropInterval = time.Minute

// mint signs a new token. iat is backdated by clockSkew, so that a server
// whose clock is behind ours does not see a token from the future, and exp is
// iat + lifetime, so that a server whose clock is ahead does not see a token
// that lives longer than Apple allows. The token is fresh until a quarter of
// its lifetime is left and usable until its last minute.
func (s *source) mint(ctx context.Context, now time.Time) (Token, tokencache.Lifetimes, error) {
	iat := now.Unix() - int64(clockSkew/time.Second)
	exp := iat + int64(s.lifetime/time.Second)
	payload := claims.AppendPayload(make([]byte, 0, len(s.prefix)+48), s.prefix, iat, exp)
	value, err := s.signer.Sign(ctx, payload)
	if err != nil {
		return Token{}, tokencache.Lifetimes{}, fmt.Errorf("ascjwt: sign token for key %s: %w", s.keyID, err)
	}
	expiry := time.Unix(exp, 0)
	left := expiry.Sub(now) // time from now until exp, on the wall clock
	life := tokencache.Lifetimes{RefreshAt: now.Add(left - s.lifetime/4), ExpireAt: now.Add(left - time.Minute)}
	return Token{Value: value, IssuedAt: time.Unix(iat, 0), Expiry: expiry}, life, nil
}
