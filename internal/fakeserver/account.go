package fakeserver

import (
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeclock"
)

// Account is what a test drives on the fake of a developer-token API (the
// Apple Music API, WeatherKit): a team's keys, the clock that the fake's
// configs share, and the [Gate]'s counters and routes. A fake's Server
// embeds it, so that its methods are the Server's, in one vocabulary
// across the fakes (asctest's).
type Account struct {
	keys  *Keys
	first Key
	clock fakeclock.Clock
	gate  *Gate
}

// NewAccount returns an account of a new team with one key, and the
// unstarted server ([NewUnstarted]) a fake embeds: its handler is the
// [Gate] that checks each request's token with check, which finds keys in
// keys, before the request reaches the routes added with Handle and then
// routes.
func NewAccount(check func(r *http.Request, token string, now time.Time, keys *Keys) (Checked, error), routes http.Handler) (*Account, *httptest.Server) {
	a := &Account{keys: NewKeys()}
	a.first = a.keys.Add()
	a.gate = NewGate(a.Now, func(r *http.Request, token string, now time.Time) (Checked, error) {
		return check(r, token, now, a.keys)
	}, routes)
	return a, NewUnstarted(a.gate)
}

// Key returns the account's first key, the one the fake's Config signs
// with.
func (a *Account) Key() Key { return a.first }

// TeamID returns the Team ID of the account's keys, every token's iss.
func (a *Account) TeamID() string { return a.keys.Team() }

// AddKey makes another key of the team that the server accepts, for a test
// of key rotation.
func (a *Account) AddKey() Key { return a.keys.Add() }

// Revoke makes every token of the key fail from now on, as revoking the key
// in the developer account does.
func (a *Account) Revoke(keyID string) { a.keys.Revoke(keyID) }

// RevokeTokens refuses from now on every token of the key that the server
// has accepted so far, however respelled, while tokens the key signs later
// pass: the way to test that a client signs anew after a 401.
func (a *Account) RevokeTokens(keyID string) { a.gate.RevokeTokens(keyID) }

// Now returns the server's clock reading. The configs the fake hands out
// read it too, so a token source and the server agree on a token's age.
func (a *Account) Now() time.Time { return a.clock.Now() }

// Advance moves the server's clock, and its configs', forward by d, to see
// tokens age and expire without waiting.
func (a *Account) Advance(d time.Duration) { a.clock.Advance(d) }

// SetClock replaces the server's clock, clearing what Advance added; nil
// restores [time.Now]. A clock that stands still puts a test's tokens
// exactly on a rule's edge.
func (a *Account) SetClock(now func() time.Time) { a.clock.SetClock(now) }

// Stats returns the server's counters so far: requests accepted and
// rejected, distinct tokens, and the rule the last rejection named.
func (a *Account) Stats() Stats { return a.gate.Stats() }

// Handle adds a route for requests whose token passed, with the patterns
// of [http.ServeMux], tried before the fake's own routes.
func (a *Account) Handle(pattern string, handler http.Handler) { a.gate.Handle(pattern, handler) }
