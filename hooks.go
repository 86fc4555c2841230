package ascjwt

import (
	"net/http"
	"time"
)

// Hooks are optional callbacks that let you watch what a [TokenSource] and a
// [Transport] do, without wrapping either: feed them to a logger, a metrics
// library or a test. Set them on [Config].Hooks for the events of making
// tokens and on [Transport].Hooks for the events on the wire; a nil Hooks,
// or a nil field, costs nothing. Like [net/http/httptrace.ClientTrace], a
// callback runs on the goroutine of the event, may run concurrently with
// others, and must return quickly. No callback is ever given a token's
// value. A TokenMinted or RefreshFailed callback that panics does not crash
// the process (a background refresh has no caller to recover it): the
// panic becomes the refresh's error, which RefreshFailed and the callers
// waiting for the token are given.
type Hooks struct {
	// TokenMinted is called after each new token is signed (Config.Hooks).
	TokenMinted func(TokenMinted)
	// RefreshFailed is called when making a new token fails (Config.Hooks).
	// The source keeps a token that is still usable and tries again at the
	// next call.
	RefreshFailed func(RefreshFailed)
	// Retry401 is called when a 401 makes the Transport send a request again
	// with a new token (Transport.Hooks).
	Retry401 func(Retry401)
	// RateLimitWait is called before the Transport waits to send a request:
	// after a 429, or to pace requests when the hourly budget runs low
	// (Transport.Hooks).
	RateLimitWait func(RateLimitWait)
	// RateLimit is called when an answer reports a rate limit other than
	// the last one the Transport saw (Transport.Hooks).
	RateLimit func(RateLimit)
}

// The reasons a [RateLimitWait] gives.
const (
	// WaitRetryAfter: a 429 whose Retry-After said how long to wait.
	WaitRetryAfter = "429, Retry-After"
	// WaitBackoff: a 429 that did not say; the wait is a jittered backoff.
	WaitBackoff = "429, backoff"
	// WaitPacing: the hourly budget is low; requests are spaced out.
	WaitPacing = "pacing"
)

// TokenMinted describes a new token: which key signed it, until when it is
// valid, and how long the signature took (a remote signer shows here).
type TokenMinted struct {
	KeyID    string
	Expiry   time.Time
	SignTime time.Duration
}

// RefreshFailed describes a failed attempt to make a token.
type RefreshFailed struct {
	KeyID string
	Err   error
}

// Retry401 describes a request that was refused with 401 and is sent again
// with a new token.
type Retry401 struct {
	Request *http.Request // the caller's request; do not modify it
}

// RateLimitWait describes a wait before a request is sent.
type RateLimitWait struct {
	Request *http.Request // the caller's request; do not modify it
	Wait    time.Duration
	// Reason says why: [WaitRetryAfter], [WaitBackoff] or [WaitPacing].
	Reason string
	// Attempt counts the 429s this request has had; 0 when pacing.
	Attempt int
}

// minted and failed adapt the hooks to the token cache's callbacks: nil
// when unset, so that the cache calls nothing.
func (h *Hooks) minted(keyID string) func(*Token, time.Duration) {
	if h == nil || h.TokenMinted == nil {
		return nil
	}
	return func(tok *Token, took time.Duration) {
		h.TokenMinted(TokenMinted{KeyID: keyID, Expiry: tok.Expiry, SignTime: took})
	}
}

func (h *Hooks) failed(keyID string) func(error) {
	if h == nil || h.RefreshFailed == nil {
		return nil
	}
	return func(err error) { h.RefreshFailed(RefreshFailed{KeyID: keyID, Err: err}) }
}
