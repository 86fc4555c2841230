package ascjwt

import (
	"context"
	"fmt"

	"github.com/ascjwt/ascjwt/internal/claims"
	"github.com/ascjwt/ascjwt/internal/devtoken"
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
	prefix, err := set.static.Prefix() // the claims that do not change, encoded once
	if err != nil {
		return nil, fmt.Errorf("ascjwt: encode claims: %w", err)
	}
	// The source every developer token of the module comes from: iat
	// backdated by a minute, exp iat + Lifetime, fresh until a quarter of
	// the lifetime is left and usable until its last minute. It is an
	// [Invalidator] (a refused token never accepted is dropped at most once
	// a minute, one accepted before at once), an [AcceptanceRecorder] and a
	// [HostScoped].
	return devtoken.New(devtoken.Spec{
		Package: "ascjwt", KeyID: set.keyID, Signer: set.signer,
		Payload: func(iat, exp int64) ([]byte, error) {
			return claims.AppendPayload(make([]byte, 0, len(prefix)+48), prefix, iat, exp), nil
		},
		Backdate: devtoken.ClockSkew, Lifetime: set.lifetime, DropInterval: devtoken.DropInterval,
		Hosts: tokenHosts(set.static.Audience), Now: set.now, Hooks: set.hooks,
	}), nil
}
