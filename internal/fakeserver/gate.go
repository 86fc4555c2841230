package fakeserver

import (
	"errors"
	"net/http"
	"sync"
	"time"
)

// Stats are a [Gate]'s counters, in the fakes' one vocabulary. The fakes'
// Stats types are this type or have these fields in this order.
type Stats struct {
	Accepted      int    // requests whose token passed
	Rejected      int    // requests answered 401
	Tokens        int    // distinct tokens among accepted requests: reuse shows as 1
	LastRejection string // the rule the last refused token broke
}

// Checked is what a fake's check says of a token it accepted: the ID of
// the key that signed it, and the token's identity ([fakejwt.Token].ID),
// which the Tokens counter and RevokeTokens go by.
type Checked struct {
	KeyID, ID string
}

// Gate stands in front of a fake's routes: it takes the request's
// "Authorization: Bearer <token>", has the fake check the token, answers a
// refused one with a bare 401, as Apple's developer-token APIs do, and
// sends the others to the routes added with Handle, then to the fake's
// own. It counts both in [Stats]. It is safe for concurrent use.
type Gate struct {
	now    func() time.Time
	check  func(r *http.Request, token string, now time.Time) (Checked, error)
	routes http.Handler

	mu      sync.Mutex
	user    *http.ServeMux
	seen    map[string]string // accepted tokens by identity, with their key IDs
	revoked map[string]bool   // identities refused by RevokeTokens
	stats   Stats
}

// NewGate returns a gate that reads the time from now, checks each token
// with check (whose error, the rule broken, goes to Stats.LastRejection)
// and serves the requests that pass with routes, after any added by
// Handle.
func NewGate(now func() time.Time, check func(r *http.Request, token string, now time.Time) (Checked, error), routes http.Handler) *Gate {
	return &Gate{now: now, check: check, routes: routes, user: http.NewServeMux(), seen: make(map[string]string), revoked: make(map[string]bool)}
}

// errRevokedToken is the rule a token refused by RevokeTokens broke.
var errRevokedToken = errors.New("the token was revoked; sign a new one")

// ServeHTTP implements [http.Handler].
func (g *Gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := g.authenticate(r)
	g.mu.Lock()
	if err == nil && g.revoked[c.ID] {
		err = errRevokedToken
	}
	if err != nil {
		g.stats.Rejected++
		g.stats.LastRejection = err.Error()
		g.mu.Unlock()
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	g.stats.Accepted++
	if _, dup := g.seen[c.ID]; !dup {
		g.seen[c.ID] = c.KeyID
		g.stats.Tokens++
	}
	h, pattern := g.user.Handler(r)
	g.mu.Unlock()
	if pattern == "" {
		h = g.routes
	}
	h.ServeHTTP(w, r)
}

// authenticate checks the request's token.
func (g *Gate) authenticate(r *http.Request) (Checked, error) {
	value, err := Bearer(r)
	if err != nil {
		return Checked{}, err
	}
	return g.check(r, value, g.now())
}

// RevokeTokens refuses from now on every token of the key keyID that the
// gate has accepted so far, however respelled, while new tokens of the key
// pass: what a client sees when the server stops trusting tokens issued
// before some moment. It is the way to test a client's retry on 401.
func (g *Gate) RevokeTokens(keyID string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for id, kid := range g.seen {
		if kid == keyID {
			g.revoked[id] = true
		}
	}
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
