package fakeserver

import (
	"net/http"
	"strings"
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
	value, err := Bearer(r)
	if err != nil {
		return "", err
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
