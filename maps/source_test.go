package maps_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/exchange/exchangetest"
	"github.com/ascjwt/ascjwt/maps"
	"github.com/ascjwt/ascjwt/maps/mapstest"
)

// events collects the hooks' calls, so that a test waits for a background
// exchange to end without sleeping.
type events struct {
	minted chan ascjwt.TokenMinted
	failed chan ascjwt.RefreshFailed
}

func withEvents(cfg maps.Config) (maps.Config, *events) {
	ev := &events{minted: make(chan ascjwt.TokenMinted, 16), failed: make(chan ascjwt.RefreshFailed, 16)}
	cfg.Hooks = &ascjwt.Hooks{
		TokenMinted:   func(e ascjwt.TokenMinted) { ev.minted <- e },
		RefreshFailed: func(e ascjwt.RefreshFailed) { ev.failed <- e },
	}
	return cfg, ev
}

func newSource(t *testing.T, cfg maps.Config) ascjwt.TokenSource {
	t.Helper()
	return apitest.Must(t, maps.NewTokenSource, cfg)
}

// serve starts a fake, closed at the end of t, and a source for it with
// edits made to the fake's Config.
func serve(t *testing.T, edits ...func(*maps.Config)) (*mapstest.Server, ascjwt.TokenSource) {
	t.Helper()
	srv := mapstest.NewServer()
	return srv, sourceOf(t, srv, srv.Config(), edits)
}

// serveInBubble is serve for a testing/synctest bubble: the fake is not
// started, and the source reaches its handler at Apple's token URL through
// exchangetest.Transport, with no socket between, so that an exchange it
// holds is durably blocked and its timeout passes in the bubble's time.
func serveInBubble(t *testing.T, edits ...func(*maps.Config)) (*mapstest.Server, ascjwt.TokenSource) {
	t.Helper()
	srv := mapstest.NewUnstartedServer()
	cfg := srv.Config()
	cfg.TokenURL = maps.TokenURL
	cfg.Client = &http.Client{Transport: exchangetest.Transport(srv.Server.Config.Handler)}
	return srv, sourceOf(t, srv, cfg, edits)
}

// sourceOf makes a source of cfg with edits made to it; srv is closed at
// the end of t.
func sourceOf(t *testing.T, srv *mapstest.Server, cfg maps.Config, edits []func(*maps.Config)) ascjwt.TokenSource {
	t.Helper()
	t.Cleanup(srv.Close)
	for _, edit := range edits {
		edit(&cfg)
	}
	return newSource(t, cfg)
}

func mustToken(t *testing.T, src ascjwt.TokenSource) *ascjwt.Token {
	t.Helper()
	return apitest.Must(t, src.Token, context.Background())
}

// firstTokenInBubble is serveInBubble with the source's events, and the
// source's first token once its TokenMinted has been seen.
func firstTokenInBubble(t *testing.T) (*mapstest.Server, ascjwt.TokenSource, *events, *ascjwt.Token) {
	t.Helper()
	var ev *events
	srv, src := serveInBubble(t, func(c *maps.Config) { *c, ev = withEvents(*c) })
	old := mustToken(t, src)
	<-ev.minted
	return srv, src, ev, old
}

func TestConcurrentFirstCallsExchangeOnce(t *testing.T) {
	srv, src := serve(t)
	const callers = 200
	toks := apitest.TokensAtOnce(t, callers, src.Token)
	for _, tok := range toks {
		if tok == nil || tok.Value == "" || tok.Value != toks[0].Value {
			t.Fatal("callers got different access tokens")
		}
	}
	if st := srv.Stats(); st.Exchanges != 1 || st.JWTs != 1 {
		t.Fatalf("%d callers: %d exchanges with %d JWTs, want 1 and 1", callers, st.Exchanges, st.JWTs)
	}
}

func TestAccessTokenIsReplacedAheadOfExpiryInTheBackground(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, src, ev, old := firstTokenInBubble(t)
		if got := old.Expiry.Sub(old.IssuedAt); got != mapstest.DefaultTokenLifetime {
			t.Fatalf("access token lives %s, want expiresInSeconds' %s", got, mapstest.DefaultTokenLifetime)
		}

		srv.Advance(23 * time.Minute) // past three quarters of 30 minutes
		release := srv.HangExchanges()
		defer release()
		for range 3 {
			// The exchange hangs; callers keep the old token meanwhile.
			if tok := mustToken(t, src); tok.Value != old.Value {
				t.Fatal("a caller got a new token before the exchange answered")
			}
		}
		release()
		<-ev.minted
		synctest.Wait() // until the background exchange has ended
		tok := mustToken(t, src)
		if tok.Value == old.Value {
			t.Fatal("the stale token was not replaced")
		}
		if st := srv.Stats(); st.Exchanges != 2 || st.JWTs != 1 {
			t.Fatalf("%d exchanges with %d JWTs, want 2 exchanges with the one JWT (signed once for its life)", st.Exchanges, st.JWTs)
		}
	})
}

func TestFailedExchangeKeepsTheOldTokenAndIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, src, ev, old := firstTokenInBubble(t)

		srv.Advance(23 * time.Minute)
		srv.FailExchanges(http.StatusInternalServerError)
		for range 2 {
			if tok := mustToken(t, src); tok.Value != old.Value {
				t.Fatal("a failing exchange lost the usable token")
			}
			e := <-ev.failed // each caller after a failure tries again
			synctest.Wait()  // until the background exchange has ended
			var xe *maps.ExchangeError
			if !errors.As(e.Err, &xe) || xe.StatusCode != http.StatusInternalServerError {
				t.Fatalf("refresh failed with %v, want an ExchangeError 500", e.Err)
			}
		}
		srv.FailExchanges(0)
		mustToken(t, src) // starts the exchange that now succeeds
		<-ev.minted
		synctest.Wait() // until the background exchange has ended
		if tok := mustToken(t, src); tok.Value == old.Value {
			t.Fatal("the token was not replaced once the endpoint worked")
		}

		// With no usable token left, the caller gets the endpoint's error.
		srv.Advance(29*time.Minute + 30*time.Second)
		srv.FailExchanges(http.StatusInternalServerError)
		_, err := src.Token(context.Background())
		<-ev.failed
		var xe *maps.ExchangeError
		if !errors.As(err, &xe) || !strings.HasPrefix(err.Error(), "maps: ") {
			t.Fatalf("expired token, failing endpoint: %v, want a maps: ExchangeError", err)
		}
		if st := srv.Stats(); st.Exchanges != 2 || st.ExchangeFailures != 3 {
			t.Fatalf("stats %+v, want 2 exchanges and 3 failures", st)
		}
	})
}

func TestAPI401CausesExactlyOneNewExchange(t *testing.T) {
	srv, src := serve(t)
	get := apitest.AcceptedGet(t, ascjwt.NewClient(srv.Client(), src), srv.URL+"/v1/geocode?q=Apple+Park")
	// ExpireAccessTokens: every request now meets a 401 with the token it has.
	apitest.ConcurrentRefusalsCostOneExchange(t, get, srv.ExpireAccessTokens, func() int { return srv.Stats().Exchanges }, 2)
	if st := srv.Stats(); st.APIRefusals == 0 || st.APICalls != 51 {
		t.Fatalf("stats %+v, want 51 accepted calls after some refusals", st)
	}
}

func TestTokenEndpoint401DropsTheJWTAndNamesTheCause(t *testing.T) {
	srv, src := serve(t, func(c *maps.Config) { c.TeamID = "ZZZZZZZZZZ" }) // not the server's team
	for range 2 {
		_, err := src.Token(context.Background())
		var xe *maps.ExchangeError
		if !errors.As(err, &xe) || xe.StatusCode != http.StatusUnauthorized {
			t.Fatalf("got %v, want an ExchangeError 401", err)
		}
		for _, want := range []string{"maps: ", "Config.KeyID", "Config.TeamID", "Maps service", "iss is not the team ID"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
		if strings.Contains(err.Error(), "eyJ") {
			t.Errorf("error %q carries what looks like a JWT", err)
		}
	}
	if st := srv.Stats(); st.ExchangeRefusals != 2 || st.JWTs != 2 {
		t.Fatalf("stats %+v, want 2 refusals of 2 JWTs: a refused JWT is signed anew", st)
	}
}

func TestHangingTokenEndpointIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, src := serveInBubble(t)
		release := srv.HangExchanges()
		defer release()
		begun := time.Now()
		_, err := src.Token(context.Background())
		if err == nil || !strings.Contains(err.Error(), "maps: the token endpoint did not answer within 30s") {
			t.Fatalf("got %v, want the exchange timed out", err)
		}
		if d := time.Since(begun); d != maps.ExchangeTimeout {
			t.Fatalf("exchange bounded by %s, want %s", d, maps.ExchangeTimeout)
		}
		release()
		if tok := mustToken(t, src); tok.Value == "" {
			t.Fatal("no token after the endpoint recovered")
		}
	})
}

func TestTransportSendsAccessTokensToMapsHostOnly(t *testing.T) {
	_, src := serve(t)
	hs, ok := src.(ascjwt.HostScoped)
	if !ok || len(hs.TokenHosts()) != 1 || hs.TokenHosts()[0] != "maps-api.apple.com" {
		t.Fatalf("TokenHosts: want exactly maps-api.apple.com")
	}
	if _, ok := src.(ascjwt.Invalidator); !ok {
		t.Fatal("the source is not an Invalidator: a 401 would not be retried")
	}
}

// headerLog is an httptrace.ClientTrace that records every header field
// written under the caller's context.
type headerLog struct {
	mu     sync.Mutex
	fields []string
}

func (h *headerLog) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{WroteHeaderField: func(key string, value []string) {
		h.mu.Lock()
		h.fields = append(h.fields, key+": "+strings.Join(value, ","))
		h.mu.Unlock()
	}}
}

func TestClientTraceNeverSeesTheServerJWT(t *testing.T) {
	c := &capture{}
	srv, src := serve(t, func(cfg *maps.Config) {
		c.base = cfg.Client.Transport
		cfg.Client = &http.Client{Transport: c}
	})
	client := ascjwt.NewClient(srv.Client(), src)
	log := &headerLog{}
	ctx := httptrace.WithClientTrace(context.Background(), log.trace())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v1/geocode?q=Apple+Park", nil)
	resp, err := client.Do(req) // the first request exchanges under its context
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(c.seen) != 1 {
		t.Fatalf("%d exchanges, want 1", len(c.seen))
	}
	jwt := c.seen[0]
	authorizations := 0
	for _, f := range log.fields {
		if strings.Contains(f, jwt) || strings.Contains(f, strings.Split(jwt, ".")[2]) {
			t.Fatalf("the caller's ClientTrace saw the server JWT in %q", strings.SplitN(f, ":", 2)[0])
		}
		if strings.HasPrefix(f, "Authorization: ") {
			authorizations++
		}
	}
	if authorizations != 1 {
		t.Errorf("the trace saw %d Authorization headers, want the API request's one", authorizations)
	}
}

func TestRefusalsAFreshTokenDoesNotCureCostOneExchangeADropInterval(t *testing.T) {
	srv, src := serve(t)
	client := ascjwt.NewClient(&http.Client{Transport: apitest.Refusing(srv.Client().Transport)}, src)
	apitest.AllowedAndForbiddenCostTwoExchanges(t, client, srv.URL, "/v1/geocode?q=Apple+Park", srv.Advance, func() int { return srv.Stats().Exchanges })
	srv.Advance(15 * time.Second) // past the drop interval
	apitest.StatusOf(t, client, srv.URL+apitest.ForbiddenPath)
	if st := srv.Stats(); st.Exchanges != 3 {
		t.Fatalf("%d exchanges once the drop interval passed, want 3", st.Exchanges)
	}
}

func TestRefusedJWTIsNotExchangedOnEveryCall(t *testing.T) {
	srv, src := serve(t, func(c *maps.Config) { c.TeamID = "ZZZZZZZZZZ" }) // not the server's team: every JWT is refused
	token := func() error { _, err := src.Token(context.Background()); return err }
	permanent401 := func(err error) bool {
		var xe *maps.ExchangeError
		return errors.As(err, &xe) && xe.StatusCode == http.StatusUnauthorized && !xe.Temporary()
	}
	apitest.RefusedExchangeRetriedOnceThenWaits(t, token, permanent401, "the endpoint's permanent 401", func() int { return srv.Stats().ExchangeRefusals }, srv.Advance)
}
