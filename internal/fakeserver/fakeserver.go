// Package fakeserver is what the fake Apple APIs for users' tests
// (musickittest, weatherkittest, apnstest, signinwithappletest) share
// around their token checks: an [httptest.Server] that keeps quiet, a clock
// tests move, a registry of keys, and, for the APIs that take a bearer
// token and answer a refused one with a bare 401, the gate in front of
// their routes with its counters. Each fake keeps its own exported types
// and methods, with its API's words in their docs, and forwards to these.
package fakeserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// NewUnstarted returns an unstarted [httptest.Server] for h. Closing a
// server with connections open makes net/http log their handshakes cut
// short: noise in a test's output, so its error log is discarded.
func NewUnstarted(h http.Handler) *httptest.Server {
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	return s
}

// idLen is the length of Apple's key IDs and Team IDs.
const idLen = 10

// NewID makes a 10-character ID of upper-case letters and digits, the form
// of Apple's key and Team IDs.
func NewID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, idLen)
	_, _ = rand.Read(b) // crypto/rand does not fail
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// NewKey makes a P-256 key in memory.
func NewKey() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic("fakeserver: generate a P-256 key: " + err.Error()) // crypto/rand does not fail
	}
	return k
}

// Clock is a fake's clock: a base clock ([time.Now] unless set) plus an
// offset that Advance moves, so that tests see tokens age without waiting.
// The zero Clock reads time.Now. It is safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	base   func() time.Time
	offset time.Duration
}

// Now returns the base clock's reading plus the offset. The base clock is
// called outside the lock, so that one that reads the server (or blocks)
// does not hold every other caller.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	base, offset := c.base, c.offset
	c.mu.Unlock()
	if base == nil {
		base = time.Now
	}
	return base().Add(offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Set replaces the base clock and clears the offset; nil restores
// [time.Now].
func (c *Clock) Set(now func() time.Time) {
	c.mu.Lock()
	c.base, c.offset = now, 0
	c.mu.Unlock()
}

// Key is a key a fake knows: its ID, its team, and its private key, which
// lives in memory only. The fakes' own Key types have these fields in this
// order, so that one converts to the other.
type Key struct {
	ID         string
	TeamID     string
	PrivateKey *ecdsa.PrivateKey
}

// PublicKeys adapts lookup, a fake's lookup of its own Key type (whose
// fields are [Key]'s), to what internal/fakejwt asks of a key: the public
// key and the Team ID of the key named kid, or why there is none.
func PublicKeys[K ~struct {
	ID         string
	TeamID     string
	PrivateKey *ecdsa.PrivateKey
}](lookup func(kid string) (K, error)) func(kid string) (*ecdsa.PublicKey, string, error) {
	return func(kid string) (*ecdsa.PublicKey, string, error) {
		k, err := lookup(kid)
		if err != nil {
			return nil, "", err
		}
		key := Key(k)
		return &key.PrivateKey.PublicKey, key.TeamID, nil
	}
}

// Keys is a fake's registry of keys, all of one team, as a developer
// account's are. It is safe for concurrent use.
type Keys struct {
	mu      sync.Mutex
	team    string
	keys    map[string]Key
	revoked map[string]bool
}

// NewKeys returns an empty registry for a new team.
func NewKeys() *Keys {
	return &Keys{team: NewID(), keys: make(map[string]Key), revoked: make(map[string]bool)}
}

// Team returns the Team ID of the registry's keys.
func (k *Keys) Team() string { return k.team }

// Add makes a new key and registers it.
func (k *Keys) Add() Key {
	key := Key{ID: NewID(), TeamID: k.team, PrivateKey: NewKey()}
	k.mu.Lock()
	k.keys[key.ID] = key
	k.mu.Unlock()
	return key
}

// Revoke makes the key with ID id fail every lookup from now on, as
// revoking it in the developer account does.
func (k *Keys) Revoke(id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.keys[id]; ok {
		k.revoked[id] = true
	}
}

// Lookup returns the key named kid, or an error that says why there is
// none (it never quotes kid, which is the token sender's text).
func (k *Keys) Lookup(kid string) (Key, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key, ok := k.keys[kid]
	switch {
	case !ok:
		return Key{}, errors.New("kid names no key of this server")
	case k.revoked[kid]:
		return Key{}, errors.New("the key named by kid was revoked")
	}
	return key, nil
}

// Stats are a [Gate]'s counters. The fakes' own Stats types have these
// fields in this order, so that one converts to the other.
type Stats struct {
	Accepted      int    // requests whose token passed
	Rejected      int    // requests answered 401
	Tokens        int    // distinct tokens among accepted requests: reuse shows as 1
	LastRejection string // the rule the last refused token broke
}

// Gate stands in front of a fake's routes: it takes the request's
// "Authorization: Bearer <token>", has the fake check the token, answers a
// refused one with a bare 401, as Apple's developer-token APIs do, and
// sends the others to the routes added with Handle, then to the fake's
// own. It counts both in [Stats]. It is safe for concurrent use.
type Gate struct {
	now    func() time.Time
	check  func(r *http.Request, token string, now time.Time) error
	routes http.Handler

	mu    sync.Mutex
	user  *http.ServeMux
	seen  map[string]bool // signatures of accepted tokens
	stats Stats
}

// NewGate returns a gate that reads the time from now, checks each token
// with check (whose error, the rule broken, goes to Stats.LastRejection)
// and serves the requests that pass with routes, after any added by
// Handle.
func NewGate(now func() time.Time, check func(r *http.Request, token string, now time.Time) error, routes http.Handler) *Gate {
	return &Gate{now: now, check: check, routes: routes, user: http.NewServeMux(), seen: make(map[string]bool)}
}

// ServeHTTP implements [http.Handler].
func (g *Gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sig, err := g.authenticate(r)
	g.mu.Lock()
	if err != nil {
		g.stats.Rejected++
		g.stats.LastRejection = err.Error()
		g.mu.Unlock()
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	g.stats.Accepted++
	if !g.seen[sig] {
		g.seen[sig] = true
		g.stats.Tokens++
	}
	h, pattern := g.user.Handler(r)
	g.mu.Unlock()
	if pattern == "" {
		h = g.routes
	}
	h.ServeHTTP(w, r)
}

// authenticate checks the request's token and returns its signature, which
// tells tokens apart.
func (g *Gate) authenticate(r *http.Request) (string, error) {
	auth := r.Header.Values("Authorization")
	if len(auth) == 0 {
		return "", errors.New("no Authorization header")
	}
	if len(auth) > 1 {
		return "", errors.New("more than one Authorization header")
	}
	value, ok := strings.CutPrefix(auth[0], "Bearer ")
	if !ok {
		return "", errors.New(`the Authorization header does not start with "Bearer "`)
	}
	if err := g.check(r, value, g.now()); err != nil {
		return "", err
	}
	return value[strings.LastIndexByte(value, '.')+1:], nil
}

// Handle adds a route for requests whose token passed, with the patterns
// of [http.ServeMux], tried before the fake's own.
func (g *Gate) Handle(pattern string, handler http.Handler) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.user.Handle(pattern, handler)
}

// Stats returns the counters so far.
func (g *Gate) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stats
}

// WriteJSON answers v as JSON with status, as Apple's APIs write it.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
