package ascjwt

import "github.com/ascjwt/ascjwt/internal/token"

// Hooks are optional callbacks that let you watch what a [TokenSource] and a
// [Transport] do, without wrapping either: feed them to a logger, a metrics
// library or a test. Set them on [Config].Hooks for the events of making
// tokens and on [Transport].Hooks for the events on the wire; a nil Hooks,
// or a nil field, costs nothing. Its fields:
//
//	// TokenMinted is called after each new token is signed (Config.Hooks).
//	TokenMinted func(TokenMinted)
//	// RefreshFailed is called when making a new token fails (Config.Hooks).
//	// The source keeps a token that is still usable and tries again at
//	// the next call.
//	RefreshFailed func(RefreshFailed)
//	// Retry401 is called when a 401 makes the Transport send a request
//	// again with a new token (Transport.Hooks).
//	Retry401 func(Retry401)
//	// RateLimitWait is called before the Transport waits to send a
//	// request: after a 429, or to pace requests when the hourly budget
//	// runs low (Transport.Hooks).
//	RateLimitWait func(RateLimitWait)
//	// RateLimit is called when a response reports a rate limit other than
//	// the last one the Transport saw (Transport.Hooks).
//	RateLimit func(RateLimit)
//
// Like [net/http/httptrace.ClientTrace], a callback runs on the goroutine
// of the event, may run concurrently with others, and must return quickly.
// No callback is ever given a token's value. A TokenMinted or RefreshFailed
// callback that panics does not crash the process (a background refresh has
// no caller to recover it): the panic becomes the refresh's error, which
// RefreshFailed and the callers waiting for the token are given.
//
// The API packages' sources take the same Hooks in their Config.
type Hooks = token.Hooks

// The reasons a [RateLimitWait] gives.
const (
	// WaitRetryAfter: a 429 whose Retry-After said how long to wait.
	WaitRetryAfter = "429, Retry-After"
	// WaitBackoff: a 429 that did not say; the wait is a jittered backoff.
	WaitBackoff = "429, backoff"
	// WaitPacing: the hourly budget is low; requests are spaced out.
	WaitPacing = "pacing"
)

// TokenMinted describes a new token: which key signed it (KeyID), until when
// it is valid (Expiry), and how long making it took (SignTime; a remote
// signer or a token endpoint shows here).
type TokenMinted = token.TokenMinted

// RefreshFailed describes a failed attempt to make a token: the key (KeyID)
// and the cause (Err).
type RefreshFailed = token.RefreshFailed

// Retry401 describes a request that was refused with 401 (or what a
// [RefusalJudge] says refuses a token) and is sent again with a new token:
// Request, the caller's request, which the hook must not modify.
type Retry401 = token.Retry401

// RateLimitWait describes a wait before a request is sent: Request (the
// caller's, not to be modified), Wait, Reason ([WaitRetryAfter],
// [WaitBackoff] or [WaitPacing]), and Attempt, the count of 429s this
// request has had (0 when pacing).
type RateLimitWait = token.RateLimitWait
