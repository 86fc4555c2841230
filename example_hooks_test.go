package ascjwt_test

import (
	"expvar"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
)

// Hooks fed to log/slog: a line for each token made, failed refresh, 401
// retry, wait and new rate limit. The same *Hooks serves Config and
// Transport; each fires the events it sees.
func ExampleHooks_slog() {
	srv := asctest.NewServer()
	defer srv.Close()
	// No times and no key ID (asctest makes a new key each run) in the
	// lines, so that the output below holds; drop
	// ReplaceAttr in your code.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey || a.Key == "kid" || a.Key == "expires" || a.Key == "took" {
			return slog.Attr{}
		}
		return a
	}}))
	hooks := &ascjwt.Hooks{
		TokenMinted: func(m ascjwt.TokenMinted) {
			logger.Info("token minted", "kid", m.KeyID, "expires", m.Expiry, "took", m.SignTime)
		},
		RefreshFailed: func(f ascjwt.RefreshFailed) { logger.Error("token refresh failed", "kid", f.KeyID, "err", f.Err) },
		Retry401:      func(r ascjwt.Retry401) { logger.Warn("401: retrying with a new token", "path", r.Request.URL.Path) },
		RateLimitWait: func(w ascjwt.RateLimitWait) {
			logger.Warn("waiting to send", "path", w.Request.URL.Path, "wait", w.Wait, "why", w.Reason)
		},
		RateLimit: func(rl ascjwt.RateLimit) { logger.Info("rate limit", "limit", rl.Limit, "remaining", rl.Remaining) },
	}
	client := hookedClient(srv, hooks)
	resp, err := client.Get(srv.URL + "/v1/apps")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	// Output:
	// level=INFO msg="token minted"
	// level=INFO msg="rate limit" limit=3500 remaining=3499
}

// Hooks exported as counters with expvar (served at /debug/vars); a
// Prometheus or OpenTelemetry counter fits the same place.
func ExampleHooks_counters() {
	srv := asctest.NewServer()
	defer srv.Close()
	var (
		minted   = new(expvar.Int)
		failures = new(expvar.Int)
		retries  = new(expvar.Int)
		waits    = new(expvar.Int)
		waited   = new(expvar.Float)
		left     = new(expvar.Int)
	)
	hooks := &ascjwt.Hooks{
		TokenMinted:   func(ascjwt.TokenMinted) { minted.Add(1) },
		RefreshFailed: func(ascjwt.RefreshFailed) { failures.Add(1) },
		Retry401:      func(ascjwt.Retry401) { retries.Add(1) },
		RateLimitWait: func(w ascjwt.RateLimitWait) { waits.Add(1); waited.Add(w.Wait.Seconds()) },
		RateLimit:     func(rl ascjwt.RateLimit) { left.Set(int64(rl.Remaining)) },
	}
	client := hookedClient(srv, hooks)
	for range 3 {
		resp, err := client.Get(srv.URL + "/v1/apps")
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
	}
	srv.RevokeTokens(srv.Key().ID) // the next request is refused, then retried with a new token
	resp, err := client.Get(srv.URL + "/v1/apps")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println("tokens:", minted, "401 retries:", retries, "waits:", waits, "budget left:", left)
	// Output: tokens: 2 401 retries: 1 waits: 0 budget left: 3496
}

// hookedClient hands one *Hooks to both places that fire its events: the
// Config, whose source reports tokens made and refreshes that failed, and
// the Transport, which reports 401 retries, waits and rate limits. In your
// code the base transport is http.DefaultTransport.
func hookedClient(srv *asctest.Server, hooks *ascjwt.Hooks) *http.Client {
	cfg := srv.Config()
	cfg.Hooks = hooks
	src, err := ascjwt.NewTokenSource(cfg)
	if err != nil {
		log.Fatal(err)
	}
	return &http.Client{Transport: &ascjwt.Transport{Source: src, Base: srv.Client().Transport, Hooks: hooks}}
}
