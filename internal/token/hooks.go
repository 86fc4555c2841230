package token

import (
	"net/http"
	"time"
)

// Hooks are the optional callbacks that watch a source and a Transport:
// ascjwt.Hooks, whose documentation says when each is called.
type Hooks struct {
	// TokenMinted is called after each new token is made.
	TokenMinted func(TokenMinted)
	// RefreshFailed is called when making a new token fails.
	RefreshFailed func(RefreshFailed)
	// Retry401 is called when a refused token makes the Transport send a
	// request again with a new one.
	Retry401 func(Retry401)
	// RateLimitWait is called before the Transport waits to send a request.
	RateLimitWait func(RateLimitWait)
	// RateLimit is called when a response reports a rate limit other than
	// the last one the Transport saw.
	RateLimit func(RateLimit)
}

// TokenMinted describes a new token: which key signed it, until when it is
// valid, and how long making it took (a remote signer or a token endpoint
// shows here).
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

// Retry401 describes a request whose token was refused and that is sent
// again with a new token.
type Retry401 struct {
	Request *http.Request // the caller's request; do not modify it
}

// RateLimitWait describes a wait before a request is sent.
type RateLimitWait struct {
	Request *http.Request // the caller's request; do not modify it
	Wait    time.Duration
	// Reason says why: ascjwt.WaitRetryAfter, WaitBackoff or WaitPacing.
	Reason string
	// Attempt counts the 429s this request has had; 0 when pacing.
	Attempt int
}

// RateLimit is a key's hourly request budget as a response reports it:
// Limit requests an hour, of which Remaining are left.
type RateLimit struct {
	Limit, Remaining int
}

// Minted and Failed adapt h to the token cache's callbacks, for every
// source of the module: nil when unset, so that the cache calls nothing.
func Minted(h *Hooks, keyID string) func(*Token, time.Duration) {
	if h == nil || h.TokenMinted == nil {
		return nil
	}
	return func(tok *Token, took time.Duration) {
		h.TokenMinted(TokenMinted{KeyID: keyID, Expiry: tok.Expiry, SignTime: took})
	}
}

// Failed is Minted for RefreshFailed.
func Failed(h *Hooks, keyID string) func(error) {
	if h == nil || h.RefreshFailed == nil {
		return nil
	}
	return func(err error) { h.RefreshFailed(RefreshFailed{KeyID: keyID, Err: err}) }
}
