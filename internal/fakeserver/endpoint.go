package fakeserver

import (
	"sync"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeclock"
)

// Endpoint is what a test drives on the fake of a token endpoint that
// exchanges a signed JWT for opaque access tokens (the Maps Server API,
// Business Manager): the clock that the fake's configs share, the access
// tokens' lifetime, and the controls that make the endpoint hang or
// recover and the access tokens be forgotten. A fake's Server embeds it,
// so that its methods are the Server's, read the same in every such fake;
// Fail, whose error has each API's shape, is the fake's own.
type Endpoint struct {
	clock  fakeclock.Clock
	faults Faults
	access AccessTokens

	mu       sync.Mutex
	lifetime time.Duration
}

// EndpointParts are the parts of an [Endpoint] that its fake uses to
// answer requests, kept apart from the methods its Server shows.
type EndpointParts struct {
	Faults   *Faults
	Access   *AccessTokens
	Lifetime func() time.Duration // what SetTokenLifetime last set
}

// NewEndpoint returns an endpoint whose access tokens live lifetime unless
// SetTokenLifetime says otherwise, and the parts its fake uses.
func NewEndpoint(lifetime time.Duration) (*Endpoint, EndpointParts) {
	e := &Endpoint{lifetime: lifetime}
	return e, EndpointParts{Faults: &e.faults, Access: &e.access, Lifetime: func() time.Duration {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.lifetime
	}}
}

// Now returns the server's clock reading, which the configs the fake hands
// out share: the real time unless SetClock replaced it, moved by Advance.
func (e *Endpoint) Now() time.Time { return e.clock.Now() }

// Advance moves the server's clock, and its configs', forward by d, so that
// a test lets access tokens age without sleeping.
func (e *Endpoint) Advance(d time.Duration) { e.clock.Advance(d) }

// SetClock replaces the server's clock, and its configs', clearing what
// Advance added; nil restores [time.Now].
func (e *Endpoint) SetClock(now func() time.Time) { e.clock.SetClock(now) }

// SetTokenLifetime sets how long the access tokens issued from now on live
// (their expires_in, in whole seconds).
func (e *Endpoint) SetTokenLifetime(d time.Duration) {
	e.mu.Lock()
	e.lifetime = d
	e.mu.Unlock()
}

// Recover makes the token endpoint work again after Fail.
func (e *Endpoint) Recover() { e.faults.Recover() }

// Hang makes the token endpoint hold every request from now on, sending no
// response, until Release or Close; a request whose client gives up
// meanwhile is aborted, and requests released go on as usual.
func (e *Endpoint) Hang() { e.faults.Hang() }

// Release lets the requests held by Hang go on, and later ones run at
// once.
func (e *Endpoint) Release() { e.faults.Release() }

// RevokeTokens makes every access token issued so far unknown, as a revoked
// key's are: the API answers their requests with 401.
func (e *Endpoint) RevokeTokens() { e.access.Revoke() }
