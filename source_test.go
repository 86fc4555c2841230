package ascjwt

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

// TestTokenTeamKeyHeaderAndClaims: a team key's token, signed with an
// in-memory key or through a plain crypto.Signer, verifies with go-jose and
// carries exactly Apple's header and claims, with iat backdated a minute and
// the 20-minute default lifetime.
func TestTokenTeamKeyHeaderAndClaims(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opaque bool
	}{{"ecdsa.PrivateKey", false}, {"crypto.Signer", true}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(c *Config) {
				if !tc.opaque {
					c.PrivateKey = c.PrivateKey.(*apitest.CountingSigner).Key
				}
			})
			tok := apitest.MustToken(t, f.src.Token)
			v := verify(t, tok.Value, &f.key.PublicKey)
			wantHeader := map[string]any{"alg": "ES256", "kid": "TESTKEY123", "typ": "JWT"}
			if !maps.Equal(v.header, wantHeader) {
				t.Errorf("header = %v, want exactly %v", v.header, wantHeader)
			}
			if got := slices.Sorted(maps.Keys(v.claims)); !slices.Equal(got, []string{"aud", "exp", "iat", "iss"}) {
				t.Errorf("claims = %v, want exactly aud, exp, iat, iss", got)
			}
			if v.claims["iss"] != "57246542-96fe-1a63-e053-0824d011072a" || v.claims["aud"] != "appstoreconnect-v1" {
				t.Errorf("iss, aud = %v, %v", v.claims["iss"], v.claims["aud"])
			}
			iat, exp := v.unix(t, "iat"), v.unix(t, "exp")
			if want := epoch.Unix() - 60; iat != want {
				t.Errorf("iat = %d, want now - 60s = %d (backdated for clock skew)", iat, want)
			}
			if exp-iat != 20*60 {
				t.Errorf("exp - iat = %ds, want 1200", exp-iat)
			}
			if !tok.IssuedAt.Equal(time.Unix(iat, 0)) || !tok.Expiry.Equal(time.Unix(exp, 0)) {
				t.Errorf("Token IssuedAt, Expiry = %v, %v; want the claims %d, %d", tok.IssuedAt, tok.Expiry, iat, exp)
			}
			if ahead := tok.Expiry.Sub(epoch); ahead != 19*time.Minute {
				t.Errorf("exp is %v ahead of the local clock, want 19m", ahead)
			}
		})
	}
}

func TestTokenIndividualKey(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.IssuerID = "" })
	tok := apitest.MustToken(t, f.src.Token)
	v := verify(t, tok.Value, &f.key.PublicKey)
	if _, ok := v.claims["iss"]; ok {
		t.Errorf("individual key token has iss %v", v.claims["iss"])
	}
	if v.claims["sub"] != "user" {
		t.Errorf("sub = %v, want user", v.claims["sub"])
	}
}

func TestTokenOptionalClaims(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.Scope = []string{"GET /v1/apps?filter[platform]=IOS&limit=5", "GET /v1/apps/123"}
		c.BundleID = "com.example.app"
		c.Audience = AudienceEnterprise
		c.Lifetime = 10 * time.Minute
	})
	tok := apitest.MustToken(t, f.src.Token)
	v := verify(t, tok.Value, &f.key.PublicKey)
	scope, _ := v.claims["scope"].([]any)
	if len(scope) != 2 || scope[0] != "GET /v1/apps?filter[platform]=IOS&limit=5" || scope[1] != "GET /v1/apps/123" {
		t.Errorf("scope = %#v", v.claims["scope"])
	}
	if v.claims["bid"] != "com.example.app" || v.claims["aud"] != AudienceEnterprise {
		t.Errorf("bid, aud = %v, %v", v.claims["bid"], v.claims["aud"])
	}
	if d := v.unix(t, "exp") - v.unix(t, "iat"); d != 600 {
		t.Errorf("exp - iat = %d, want 600", d)
	}
	if !strings.Contains(tok.Value, ".") || strings.Contains(string(mustDecodePayload(t, tok.Value)), `\u0026`) {
		t.Error("scope '&' was escaped as \\u0026; the payload should carry it as is")
	}
}

func TestLifetimeLimits(t *testing.T) {
	longLived := []string{
		"GET /v1/ciBuildRuns", "GET /v1/ciBuildRuns/abc/actions", "GET /v1/ciBuildActions/abc",
		"GET /v1/ciProducts", "GET /v1/ciWorkflows/abc", "GET /v1/ciMacOsVersions", "GET /v1/ciXcodeVersions",
		"GET /v1/ciIssues/abc", "GET /v1/ciTestResults/abc", "GET /v1/scmProviders", "GET /v1/scmRepositories",
		"GET /v1/scmGitReferences/abc", "GET /v1/scmPullRequests/abc", "GET /v1/apps/123/perfPowerMetrics",
		"GET /v1/builds/123/perfPowerMetrics", "GET /v1/diagnosticSignatures/abc/logs",
	}
	for _, tc := range []struct {
		name     string
		lifetime time.Duration
		scope    []string
		bundleID string
		wantErr  string // empty: accepted
	}{
		{name: "default", lifetime: 0},
		{name: "20m", lifetime: 20 * time.Minute},
		{name: "21m", lifetime: 21 * time.Minute, wantErr: "over Apple's limit of 20 minutes"},
		{name: "negative", lifetime: -time.Minute, wantErr: "negative"},
		{name: "too short", lifetime: time.Minute, wantErr: "at least 5m"},
		{name: "60m with bid", lifetime: time.Hour, bundleID: "com.example.app"},
		{name: "61m with bid", lifetime: 61 * time.Minute, bundleID: "com.example.app", wantErr: "60 minutes"},
		{name: "180d long-lived scope", lifetime: 180 * 24 * time.Hour, scope: longLived},
		{name: "181d long-lived scope", lifetime: 181 * 24 * time.Hour, scope: longLived, wantErr: "180 days"},
		{name: "21m POST on long-lived resource", lifetime: 21 * time.Minute, scope: []string{"POST /v1/ciBuildRuns"}, wantErr: "20 minutes"},
		{name: "21m one entry not long-lived", lifetime: 21 * time.Minute, scope: []string{"GET /v1/ciBuildRuns", "GET /v1/apps"}, wantErr: "20 minutes"},
		{name: "21m look-alike path", lifetime: 21 * time.Minute, scope: []string{"GET /v1/ciBuildRunsX"}, wantErr: "20 minutes"},
		{name: "21m apps without perfPowerMetrics", lifetime: 21 * time.Minute, scope: []string{"GET /v1/apps/123"}, wantErr: "20 minutes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{KeyID: "K", PrivateKey: apitest.NewKey(t), Lifetime: tc.lifetime, Scope: tc.scope, BundleID: tc.bundleID}
			if tc.bundleID != "" {
				cfg.IssuerID = "57246542-96fe-1a63-e053-0824d011072a" // bid takes a team key
			}
			_, err := NewTokenSource(cfg)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("accepted; want an error saying %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("error %q does not say %q", err, tc.wantErr)
			}
		})
	}
	for _, s := range longLived {
		if _, err := NewTokenSource(Config{KeyID: "K", PrivateKey: apitest.NewKey(t), Lifetime: 24 * time.Hour, Scope: []string{s}}); err != nil {
			t.Errorf("%s: a day-long token refused: %v", s, err)
		}
	}
}

func TestLongLivedTokenExpiryMatchesClaim(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.Lifetime = 180 * 24 * time.Hour
		c.Scope = []string{"GET /v1/ciBuildRuns"}
	})
	tok := apitest.MustToken(t, f.src.Token)
	v := verify(t, tok.Value, &f.key.PublicKey)
	if got := v.unix(t, "exp"); got != tok.Expiry.Unix() || got-v.unix(t, "iat") != 180*24*3600 {
		t.Errorf("exp = %d, Expiry = %d, lifetime %ds", got, tok.Expiry.Unix(), got-v.unix(t, "iat"))
	}
}

func TestReuseThenBackgroundRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		ctx := context.Background()
		first := apitest.MustToken(t, f.src.Token)
		// Fresh for 20m - 1m backdating - 5m (a quarter) = 14 minutes.
		for range 10 {
			f.clock.Advance(time.Minute + 20*time.Second) // up to 13m20s
			tok, err := f.src.Token(ctx)
			if err != nil || tok != first {
				t.Fatalf("at %v: got a different token (err %v); want the cached one", f.clock.Now().Sub(epoch), err)
			}
		}
		if n := f.signer.N.Load(); n != 1 {
			t.Fatalf("%d signatures while fresh, want 1", n)
		}

		// Stale: the caller gets the current token at once, even while the
		// refresh it started is stuck in the signer.
		release := make(chan struct{})
		entered := make(chan struct{}, 1)
		f.signer.Before = func() error { entered <- struct{}{}; <-release; return nil }
		f.clock.Advance(time.Minute) // 14m20s: less than a quarter left
		tok, err := f.src.Token(ctx)
		if err != nil || tok != first {
			t.Fatalf("stale call: got a new token or an error (%v); want the current token at once", err)
		}
		<-entered // the background refresh is signing
		for range 100 {
			if tok, _ := f.src.Token(ctx); tok != first {
				t.Fatal("stale calls during the refresh should get the current token")
			}
		}
		close(release)
		f.waitRefresh()
		second, err := f.src.Token(ctx)
		if err != nil || second == first || second.Value == first.Value {
			t.Fatalf("after the refresh: got the old token (err %v)", err)
		}
		if n := f.signer.N.Load(); n != 2 {
			t.Errorf("%d signatures, want 2: one refresh for 101 stale calls", n)
		}
		if !second.IssuedAt.Equal(f.clock.Now().Truncate(time.Second).Add(-time.Minute)) {
			t.Errorf("new token iat = %v, want now - 1m", second.IssuedAt)
		}
	})
}

func TestNeverHandsOutLastMinute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		ctx := context.Background()
		first := apitest.MustToken(t, f.src.Token)
		// With the signer failing, a caller that waits for a new token gets the
		// error, and one that is handed the old token does not: so an error here
		// proves the caller waited.
		f.signer.Before = func() error { return errors.New("signer held") }
		f.clock.Set(first.Expiry.Add(-time.Minute - time.Second))
		if tok, err := f.src.Token(ctx); err != nil || tok != first {
			t.Fatalf("61s left: %v, %v; want the current token", tok, err)
		}
		f.waitRefresh()
		f.clock.Set(first.Expiry.Add(-time.Minute))
		if tok, err := f.src.Token(ctx); err == nil {
			t.Fatalf("60s left: handed out %v; want the caller to wait for a new token", tok)
		}
		if tok := f.signerRecovers(t); tok == first || tok.Expiry.Sub(f.clock.Now()) <= time.Minute {
			t.Fatalf("got %v; want a new token with more than a minute left", tok)
		}
	})
}

func TestConcurrentFirstCallsSignOnce(t *testing.T) {
	for _, name := range []string{"cold start", "expired token"} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			if name == "expired token" {
				apitest.MustToken(t, f.src.Token)
				f.clock.Advance(time.Hour)
				f.signer.N.Store(0)
			}
			// Hold the signature until every goroutine has asked, so that
			// all 200 meet the same refresh.
			const callers = 200
			var asked sync.WaitGroup
			asked.Add(callers)
			f.signer.Before = func() error { asked.Wait(); return nil }
			start := make(chan struct{})
			results := make(chan *Token, callers)
			errs := make(chan error, callers)
			for range callers {
				go func() {
					<-start
					asked.Done()
					tok, err := f.src.Token(ctx)
					results <- tok
					errs <- err
				}()
			}
			close(start)
			var first *Token
			for range callers {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
				tok := <-results
				if first == nil {
					first = tok
				}
				if tok.Value != first.Value {
					t.Fatal("callers got different tokens")
				}
			}
			if n := f.signer.N.Load(); n != 1 {
				t.Fatalf("%d signatures for %d concurrent callers, want 1", n, callers)
			}
		})
	}
}

func TestWaitingCallerHonoursContext(t *testing.T) {
	f := newFixture(t)
	release := make(chan struct{})
	entered := make(chan struct{})
	f.signer.Before = func() error { close(entered); <-release; return nil }

	ctx, cancel := context.WithCancel(context.Background())
	impatient := make(chan error)
	go func() {
		_, err := f.src.Token(ctx)
		impatient <- err
	}()
	<-entered
	patient := make(chan *Token)
	go func() {
		tok, _ := f.src.Token(context.Background())
		patient <- tok
	}()
	cancel()
	err := <-impatient // returns at once, with the signature still held
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "ascjwt: ") {
		t.Fatalf("err = %v, want an ascjwt error wrapping context.Canceled", err)
	}
	close(release) // the refresh the impatient caller started goes on
	if tok := <-patient; tok == nil {
		t.Fatal("the patient caller got no token: the first caller's cancellation failed the refresh")
	}
	if n := f.signer.N.Load(); n != 1 {
		t.Errorf("%d signatures, want 1", n)
	}

	done, cancelled := context.WithCancel(context.Background())
	cancelled()
	f.clock.Advance(time.Hour)
	if _, err := f.src.Token(done); !errors.Is(err, context.Canceled) {
		t.Errorf("an ended context with no valid token: err = %v, want context.Canceled", err)
	}
}

func TestSignerPanicBecomesError(t *testing.T) {
	f := newFixture(t)
	f.signer.Before = func() error { panic("kms client: nil pointer") }
	_, err := f.src.Token(context.Background())
	if err == nil || !strings.Contains(err.Error(), "panicked") || !strings.Contains(err.Error(), "kms client") {
		t.Fatalf("err = %v, want an error saying the signer panicked", err)
	}
	f.signerRecovers(t) // the next call after a panic tries again and succeeds
}

func TestFailedRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		ctx := context.Background()
		first := apitest.MustToken(t, f.src.Token)
		kmsDown := errors.New("kms: service unavailable")
		f.signer.Before = func() error { return kmsDown }

		// Stale: the failed background refresh keeps the usable token.
		f.clock.Advance(15 * time.Minute)
		if tok, err := f.src.Token(ctx); err != nil || tok != first {
			t.Fatalf("stale with a failing signer: %v, %v; want the current token", tok, err)
		}
		f.waitRefresh()
		if tok, err := f.src.Token(ctx); err != nil || tok != first {
			t.Fatalf("after the failed refresh: %v, %v; want the current token kept", tok, err)
		}
		f.waitRefresh() // that call started another refresh; let it end before the clock moves

		// Last minute: callers wait, and get the cause.
		f.clock.Advance(3 * time.Minute)
		_, err := f.src.Token(ctx)
		if !errors.Is(err, kmsDown) || !strings.HasPrefix(err.Error(), "ascjwt: ") || !strings.Contains(err.Error(), "TESTKEY123") {
			t.Fatalf("err = %v, want an ascjwt error naming the key and wrapping the signer's", err)
		}

		// The next call tries again.
		if tok := f.signerRecovers(t); tok == first {
			t.Fatalf("after the signer recovered: %v; want a new token", tok)
		}
	})
}

func TestInvalidateOnlyCurrent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old, _ := f.src.Token(ctx)
	f.src.InvalidateToken(old)
	cur, err := f.src.Token(ctx)
	if err != nil || cur == old {
		t.Fatalf("after invalidate: %v, %v; want a new token", cur, err)
	}
	for range 100 {
		f.src.InvalidateToken(old) // stale reports of the old token
	}
	if again, _ := f.src.Token(ctx); again != cur {
		t.Fatal("invalidating a replaced token dropped the current one")
	}
	if n := f.signer.N.Load(); n != 2 {
		t.Errorf("%d signatures, want 2", n)
	}
}

func TestCachedTokenDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	src, err := NewTokenSource(Config{KeyID: "K", PrivateKey: apitest.NewKey(t)}) // the real clock
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(1000, func() { _, _ = src.Token(ctx) }); n != 0 {
		t.Errorf("cached Token allocates %v times per call, want 0", n)
	}
}

// TestHungRemoteSignerTimesOut: a remote signature that does not return
// fails after 30 seconds, naming the key, and does not stop the next
// signature from being tried. In a synctest bubble the 30 seconds pass
// once every goroutine waits, so that a loaded machine cannot make the
// timeout fire early or late.
func TestHungRemoteSignerTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		release := make(chan struct{})
		defer close(release) // lets the hung signatures end before the bubble does
		started := make(chan struct{})
		f.signer.Before = func() error { started <- struct{}{}; <-release; return nil }

		for i := 1; i <= 2; i++ {
			errc := make(chan error, 1)
			go func() {
				_, err := f.src.Token(context.Background())
				errc <- err
			}()
			<-started
			begun := time.Now()
			err := <-errc
			if err == nil || !strings.Contains(err.Error(), "did not answer within 30s") || !strings.Contains(err.Error(), "TESTKEY123") {
				t.Fatalf("call %d: err = %v, want a timeout naming the key", i, err)
			}
			if d := time.Since(begun); d != 30*time.Second {
				t.Errorf("call %d: gave up after %v, want 30s", i, d)
			}
		}
		// Each call above reached the signer: a hung signature does not stop
		// the next from being tried.
		f.signerRecovers(t)
	})
}

func TestFailedBackgroundRefreshIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		ctx := context.Background()
		first := apitest.MustToken(t, f.src.Token)
		var attempts atomic.Int32
		f.signer.Before = func() error { attempts.Add(1); return errors.New("kms: throttled") }
		f.clock.Advance(15 * time.Minute) // stale
		for i := int32(1); i <= 3; i++ {
			if tok, err := f.src.Token(ctx); err != nil || tok != first {
				t.Fatalf("stale call %d: %v, %v; want the current token", i, tok, err)
			}
			f.waitRefresh()
			if n := attempts.Load(); n != i {
				t.Fatalf("after stale call %d: %d refreshes tried, want %d: each stale call after a failure tries again", i, n, i)
			}
		}
	})
}
