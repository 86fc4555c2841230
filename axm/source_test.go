package axm_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/axm"
	"github.com/ascjwt/ascjwt/axm/axmtest"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/exchange/exchangetest"
)

// newSource starts a fake and a source for it, both closed at the end.
func newSource(t *testing.T, cfgs ...func(*axm.Config)) (*axmtest.Server, ascjwt.TokenSource) {
	t.Helper()
	srv := axmtest.NewServer()
	return sourceOf(t, srv, srv.Config(), cfgs)
}

// newSourceInBubble is newSource for a testing/synctest bubble: the fake
// is not started, and the source reaches its handler at Apple's token URL
// through exchangetest.Transport, with no socket between, so that an
// exchange it holds is durably blocked and its timeout passes in the
// bubble's time.
func newSourceInBubble(t *testing.T, cfgs ...func(*axm.Config)) (*axmtest.Server, ascjwt.TokenSource) {
	t.Helper()
	srv := axmtest.NewUnstartedServer(axm.ScopeBusiness)
	cfg := srv.Config()
	cfg.TokenURL = axm.TokenURL
	cfg.Client = &http.Client{Transport: exchangetest.Transport(srv.Server.Config.Handler)}
	return sourceOf(t, srv, cfg, cfgs)
}

// sourceOf makes a source of cfg, with cfgs' edits, for srv, on the
// fake's clock, which moves only by Advance; srv is closed at the end.
func sourceOf(t *testing.T, srv *axmtest.Server, cfg axm.Config, cfgs []func(*axm.Config)) (*axmtest.Server, ascjwt.TokenSource) {
	t.Helper()
	t.Cleanup(srv.Close)
	t0 := time.Date(2026, 6, 9, 10, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return t0 }) // time moves only by Advance
	for _, f := range cfgs {
		f(&cfg)
	}
	return srv, apitest.Must(t, axm.NewTokenSource, cfg)
}

func TestConcurrentFirstCallsExchangeOnce(t *testing.T) {
	srv, src := newSource(t)
	toks := apitest.TokensAtOnce(t, 200, src.Token)
	for i, tok := range toks {
		if tok == nil || tok.Value == "" || tok.Value != toks[0].Value {
			t.Fatalf("call %d: %v; want the one token every caller shares", i, tok)
		}
	}
	if st := srv.Stats(); st.Exchanges != 1 || st.Refusals != 0 {
		t.Errorf("%d exchanges, %d refusals for 200 concurrent first calls; want 1 and 0", st.Exchanges, st.Refusals)
	}
}

func TestTokenReplacedAheadOfExpiryInBackground(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, src := newSourceInBubble(t)
		ctx := context.Background()
		first, err := src.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := srv.Now().Add(time.Hour); !first.Expiry.Equal(want) {
			t.Errorf("expiry %v, want now + expires_in (%v)", first.Expiry, want)
		}
		srv.Advance(44 * time.Minute) // more than a quarter of the hour left: fresh
		if tok, err := src.Token(ctx); err != nil || tok != first || axmRefreshStarted(srv) {
			t.Fatalf("at 44m: %v; want the first token and no exchange", err)
		}
		// At 46 minutes, less than a quarter is left. With the endpoint hanging,
		// a caller that waited for the exchange would return only at its
		// timeout, with an error: the current token at once proves the
		// exchange runs in the background.
		srv.Hang()
		srv.Advance(2 * time.Minute)
		for range 50 {
			if tok, err := src.Token(ctx); err != nil || tok != first {
				t.Fatalf("stale call during the exchange: %v; want the current token at once", err)
			}
		}
		srv.Release()
		synctest.Wait() // until the background exchange has ended
		second, err := src.Token(ctx)
		if err != nil || second.Value == first.Value {
			t.Fatalf("after the background exchange: %v; want a new token", err)
		}
		if st := srv.Stats(); st.Exchanges != 2 {
			t.Errorf("%d exchanges, want 2: one background exchange for 50 stale calls", st.Exchanges)
		}
	})
}

// axmRefreshStarted reports whether an exchange beyond the first reached
// the server.
func axmRefreshStarted(srv *axmtest.Server) bool {
	st := srv.Stats()
	return st.Exchanges+st.Refusals+st.Held > 1
}

func TestFailedExchangeKeepsTheOldToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var failures atomic.Int32
		var lastErr atomic.Value
		srv, src := newSourceInBubble(t, func(c *axm.Config) {
			c.Hooks = &ascjwt.Hooks{RefreshFailed: func(f ascjwt.RefreshFailed) {
				failures.Add(1)
				lastErr.Store(f.Err)
			}}
		})
		ctx := context.Background()
		first, err := src.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		srv.Fail(http.StatusBadRequest, "temporarily_unavailable", "try later")
		srv.Advance(50 * time.Minute)
		for range 3 { // each stale call starts an exchange that fails; the token stays
			if tok, err := src.Token(ctx); err != nil || tok != first {
				t.Fatalf("stale call with the endpoint failing: %v; want the current token", err)
			}
			synctest.Wait() // until the background exchange has ended
		}
		if n := failures.Load(); n != 3 {
			t.Errorf("RefreshFailed called %d times, want 3: the next caller retries each failed exchange", n)
		}
		var oe *axm.OAuthError
		if err, _ := lastErr.Load().(error); !errors.As(err, &oe) || oe.Code != "temporarily_unavailable" {
			t.Errorf("RefreshFailed got %v; want an *axm.OAuthError", err)
		}
		srv.Recover()
		if tok, err := src.Token(ctx); err != nil || tok != first {
			t.Fatalf("stale call after recovery: %v; want the current token while the exchange runs", err)
		}
		synctest.Wait() // until the background exchange has ended
		second, err := src.Token(ctx)
		if err != nil || second.Value == first.Value {
			t.Fatalf("after recovery: %v; want a new token", err)
		}
		// Past its usable life, an old token is not handed out: callers wait,
		// and with the endpoint failing they get its error.
		srv.Fail(http.StatusBadRequest, "invalid_client", "")
		srv.Advance(time.Hour)
		if tok, err := src.Token(ctx); err == nil || !errors.As(err, &oe) || oe.Code != "invalid_client" {
			t.Fatalf("expired token and failing endpoint: %v, %v; want the OAuth error", tok, err)
		}
	})
}

func TestA401CausesOneNewExchange(t *testing.T) {
	srv, src := newSource(t)
	get := apitest.AcceptedGet(t, ascjwt.NewClient(srv.Client(), src), srv.URL+"/v1/orgDevices")
	revokedAndCured(t, srv, get, "request after revocation")
	if st := srv.Stats(); st.Exchanges != 2 || st.Rejected != 1 || st.Accepted != 2 {
		t.Fatalf("stats %+v; want 2 exchanges, 1 rejected, 2 accepted", st)
	}

	// Many requests refused with one token cause one exchange.
	srv.Advance(2 * time.Minute) // past the bound of one drop a minute
	apitest.ConcurrentRefusalsCostOneExchange(t, get, srv.RevokeTokens, func() int { return srv.Stats().Exchanges }, 3)
}

// recorder keeps the forms posted through it.
type recorder struct {
	base  http.RoundTripper
	mu    sync.Mutex
	forms []url.Values
	urls  []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(req.Body)
	req.Body.Close()
	form, _ := url.ParseQuery(string(body))
	r.mu.Lock()
	r.forms = append(r.forms, form)
	r.urls = append(r.urls, req.URL.String())
	r.mu.Unlock()
	req.Body = io.NopCloser(strings.NewReader(string(body)))
	return r.base.RoundTrip(req)
}

func TestAssertionVerifiedByGolangJWTWithEveryClaim(t *testing.T) {
	rec := &recorder{}
	srv, src := newSource(t, func(c *axm.Config) {
		rec.base = c.Client.Transport
		cl := *c.Client
		cl.Transport = rec
		c.Client = &cl
	})
	ctx := context.Background()
	const n = 5
	var exchangedAt []time.Time
	for range n {
		exchangedAt = append(exchangedAt, srv.Now())
		if _, err := src.Token(ctx); err != nil {
			t.Fatal(err)
		}
		srv.Advance(time.Hour) // expired: the next call exchanges anew
	}
	assertions := srv.Assertions()
	if len(assertions) != n || len(rec.forms) != n {
		t.Fatalf("%d assertions, %d forms; want %d", len(assertions), len(rec.forms), n)
	}
	seen := map[string]bool{}
	for i, a := range assertions {
		at := exchangedAt[i]
		tok, err := jwt.Parse(a, func(tok *jwt.Token) (any, error) { return &srv.PrivateKey().PublicKey, nil },
			jwt.WithValidMethods([]string{"ES256"}),
			jwt.WithIssuer(srv.ClientID()),
			jwt.WithSubject(srv.ClientID()),
			jwt.WithAudience(axm.Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithTimeFunc(func() time.Time { return at }),
		)
		if err != nil {
			t.Fatalf("assertion %d does not verify: %v", i, err)
		}
		if len(tok.Header) != 2 || tok.Header["alg"] != "ES256" || tok.Header["kid"] != srv.KeyID() {
			t.Errorf("header %v; want exactly alg ES256 and kid %s", tok.Header, srv.KeyID())
		}
		c := tok.Claims.(jwt.MapClaims)
		if len(c) != 6 {
			t.Errorf("claims %v; want exactly iss, sub, aud, iat, exp, jti", c)
		}
		iat, _ := c.GetIssuedAt()
		exp, _ := c.GetExpirationTime()
		if want := at.Add(-time.Minute).Truncate(time.Second); !iat.Equal(want) {
			t.Errorf("iat %v, want %v (now less a minute for clock skew)", iat.Time, want)
		}
		if d := exp.Sub(iat.Time); d != axm.DefaultAssertionLifetime {
			t.Errorf("exp - iat = %v, want %v", d, axm.DefaultAssertionLifetime)
		}
		jti, _ := c["jti"].(string)
		if len(jti) != 36 || seen[jti] {
			t.Errorf("jti %q: want a UUID unique per assertion", jti)
		}
		seen[jti] = true

		form := rec.forms[i]
		want := url.Values{
			"grant_type":            {"client_credentials"},
			"client_id":             {srv.ClientID()},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion":      {a},
			"scope":                 {axm.ScopeBusiness},
		}
		if form.Encode() != want.Encode() {
			t.Errorf("form %d has other fields than grant_type, client_id, client_assertion_type, client_assertion and scope", i)
		}
		if rec.urls[i] != srv.URL+axmtest.TokenPath {
			t.Errorf("posted to %s; want the token URL, with nothing in its query", rec.urls[i])
		}
	}
}

func TestSchoolClientIDAsksForSchoolScope(t *testing.T) {
	srv := axmtest.NewSchoolServer()
	defer srv.Close()
	src := apitest.Must(t, axm.NewTokenSource, srv.Config())
	if _, err := src.Token(context.Background()); err != nil {
		t.Fatalf("school.api exchange: %v", err)
	}
	if hs := src.(ascjwt.HostScoped).TokenHosts(); len(hs) != 1 || hs[0] != "api-school.apple.com" {
		t.Errorf("TokenHosts %v; want api-school.apple.com only", hs)
	}
}

func TestHangingEndpointIsBoundedByTheTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, src := newSourceInBubble(t)
		srv.Hang()
		begun := time.Now()
		errs := make(chan error, 2)
		for range 2 {
			go func() {
				_, err := src.Token(context.Background())
				errs <- err
			}()
		}
		// Both callers are in before the bubble's clock moves: the second
		// joined the exchange, and both give up when its timeout passes.
		for range 2 {
			err := <-errs
			if err == nil || !strings.Contains(err.Error(), "did not answer within 30s") || !strings.HasPrefix(err.Error(), "axm: ") {
				t.Fatalf("caller of a hanging exchange: %v; want the timeout's error", err)
			}
			if d := time.Since(begun); d != 30*time.Second {
				t.Errorf("exchange bounded by %v, want 30s", d)
			}
		}
		// The next caller tries again, and the endpoint answers now.
		srv.Release()
		if _, err := src.Token(context.Background()); err != nil {
			t.Fatalf("after the endpoint recovered: %v", err)
		}
	})
}

// TestImpatientCallerDoesNotCancelTheExchange: a caller that gives up
// leaves the exchange it began to the callers still waiting for it.
func TestImpatientCallerDoesNotCancelTheExchange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, src := newSourceInBubble(t)
		srv.Hang()
		ctx, cancel := context.WithCancel(context.Background())
		impatient := make(chan error, 1)
		go func() {
			_, err := src.Token(ctx)
			impatient <- err
		}()
		synctest.Wait() // the impatient caller's exchange is held at the endpoint
		if held := srv.Stats().Held; held != 1 {
			t.Fatalf("%d exchanges held; want the impatient caller's", held)
		}
		patient := make(chan error, 1)
		go func() {
			_, err := src.Token(context.Background())
			patient <- err
		}()
		synctest.Wait() // the patient caller has joined it
		cancel()
		if err := <-impatient; !errors.Is(err, context.Canceled) {
			t.Fatalf("impatient caller: %v; want its context's error", err)
		}
		srv.Release()
		if err := <-patient; err != nil {
			t.Fatalf("patient caller: %v; want the token of the exchange the impatient one began", err)
		}
		if st := srv.Stats(); st.Exchanges != 1 {
			t.Errorf("%d exchanges; want 1, not cancelled by the caller who gave up", st.Exchanges)
		}
	})
}

func TestHooksSeeEachExchange(t *testing.T) {
	var minted []ascjwt.TokenMinted
	var mu sync.Mutex
	srv, src := newSource(t, func(c *axm.Config) {
		c.Hooks = &ascjwt.Hooks{TokenMinted: func(m ascjwt.TokenMinted) { mu.Lock(); minted = append(minted, m); mu.Unlock() }}
	})
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(minted) != 1 || minted[0].KeyID != srv.KeyID() || !minted[0].Expiry.Equal(tok.Expiry) {
		t.Errorf("TokenMinted %+v; want one event with the key ID and the token's expiry", minted)
	}
}

// revokedAndCured revokes srv's access tokens and fails t unless the next
// request, sent with get, gets 200 all the same: the 401 on an accepted
// token costs one retry with a new exchange.
func revokedAndCured(t *testing.T, srv *axmtest.Server, get func() int, when string) {
	t.Helper()
	srv.RevokeTokens()
	if code := get(); code != http.StatusOK {
		t.Fatalf("%s: %d; want a new exchange and 200", when, code)
	}
}

func TestA401OnAnAcceptedTokenIsCuredAtOnce(t *testing.T) {
	srv, src := newSource(t)
	get := apitest.AcceptedGet(t, ascjwt.NewClient(srv.Client(), src), srv.URL+"/v1/orgDevices")
	revokedAndCured(t, srv, get, "first revocation")
	// The new token was accepted; refused 30 s later, it was revoked, and
	// a new exchange cures it at once, as the core does for any token a
	// server accepted. (A token never accepted is dropped at most once a
	// minute: the core's TestOutOfScope401DoesNotCostASignatureEach.)
	srv.Advance(30 * time.Second)
	revokedAndCured(t, srv, get, "second revocation within a minute")
	if st := srv.Stats(); st.Exchanges != 3 {
		t.Fatalf("%d exchanges; want 3", st.Exchanges)
	}
}

func TestTenAllowedAndTenForbiddenRequestsCostTwoExchanges(t *testing.T) {
	srv, src := newSource(t)
	client := ascjwt.NewClient(&http.Client{Transport: apitest.Refusing(srv.Client().Transport)}, src)
	apitest.AllowedAndForbiddenCostTwoExchanges(t, client, srv.URL, "/v1/orgDevices", srv.Advance, func() int { return srv.Stats().Exchanges })
}

func TestRevokedKeyIsNotExchangedOnEveryCall(t *testing.T) {
	var failures atomic.Int32
	srv, src := newSource(t, func(c *axm.Config) {
		c.Hooks = &ascjwt.Hooks{RefreshFailed: func(ascjwt.RefreshFailed) { failures.Add(1) }}
	})
	srv.Fail(http.StatusUnauthorized, "invalid_client", "the key was revoked")
	token := func() error { _, err := src.Token(context.Background()); return err }
	invalidClient := func(err error) bool {
		var oe *axm.OAuthError
		return errors.As(err, &oe) && oe.Code == "invalid_client" && !oe.Temporary()
	}
	// Each refused exchange is told to RefreshFailed.
	refusals := func() int {
		n := srv.Stats().Refusals
		if f := failures.Load(); int(f) != n {
			t.Errorf("%d RefreshFailed for %d refused exchanges, want one each", f, n)
		}
		return n
	}
	apitest.RefusedExchangeRetriedOnceThenWaits(t, token, invalidClient, "the last invalid_client", refusals, srv.Advance)
}

func TestClientTraceNeverSeesTheAssertion(t *testing.T) {
	srv, src := newSource(t)
	client := ascjwt.NewClient(srv.Client(), src)
	var mu sync.Mutex
	var fields []string
	trace := &httptrace.ClientTrace{WroteHeaderField: func(key string, value []string) {
		mu.Lock()
		fields = append(fields, key+": "+strings.Join(value, ","))
		mu.Unlock()
	}}
	var bodies atomic.Int32
	trace.WroteRequest = func(httptrace.WroteRequestInfo) { bodies.Add(1) }
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodGet, srv.URL+"/v1/orgDevices", nil)
	resp, err := client.Do(req) // the first request exchanges under its context
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	for _, f := range fields {
		if strings.HasPrefix(f, "Content-Type: application/x-www-form-urlencoded") {
			t.Fatal("the caller's ClientTrace saw the exchange's request, the assertion in its body")
		}
	}
	if n := bodies.Load(); n != 1 {
		t.Errorf("the trace saw %d requests written, want the API request alone", n)
	}
}
