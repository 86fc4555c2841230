package ascjwt

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

// TestHooksFireOncePerEvent: under concurrency, each hook is called once
// for each event it reports, and never sees a token's value.
func TestHooksFireOncePerEvent(t *testing.T) {
	var minted, failed, retried, waited, rates atomic.Int32
	var mu sync.Mutex
	var mintedInfo []TokenMinted
	var lastErr error
	cfgHooks := &Hooks{
		TokenMinted: func(m TokenMinted) {
			minted.Add(1)
			mu.Lock()
			mintedInfo = append(mintedInfo, m)
			mu.Unlock()
		},
		RefreshFailed: func(f RefreshFailed) {
			failed.Add(1)
			mu.Lock()
			lastErr = f.Err
			mu.Unlock()
		},
	}
	f := newFixture(t, func(c *Config) { c.Hooks = cfgHooks })
	base := &scripted{}
	tr := &Transport{Source: f.src, Base: base, now: f.clock.Now,
		wait: func(ctx context.Context, d time.Duration) error { return nil },
		Hooks: &Hooks{
			Retry401:      func(Retry401) { retried.Add(1) },
			RateLimitWait: func(w RateLimitWait) { waited.Add(1) },
			RateLimit:     func(RateLimit) { rates.Add(1) },
		}}
	get := func() *http.Response {
		req, _ := http.NewRequest("GET", AppStoreConnectURL+"/v1/apps", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Error(err)
			return nil
		}
		return resp
	}

	// 50 first calls: one token.
	base.rate = "user-hour-lim:3600;user-hour-rem:3000;"
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { get() })
	}
	wg.Wait()
	if n := minted.Load(); n != 1 {
		t.Errorf("TokenMinted fired %d times for one signature", n)
	}
	if n := rates.Load(); n != 1 {
		t.Errorf("RateLimit fired %d times for one value seen 50 times", n)
	}
	mu.Lock()
	if m := mintedInfo[0]; m.KeyID != "TESTKEY123" || m.Expiry.IsZero() || m.SignTime <= 0 {
		t.Errorf("TokenMinted %+v", m)
	}
	mu.Unlock()

	// One 401: one retry, one new token.
	base.mu.Lock()
	base.answers = append(base.answers, func(r *http.Request) *http.Response { return status(r, 401, nil) })
	base.mu.Unlock()
	get()
	if r, m := retried.Load(), minted.Load(); r != 1 || m != 2 {
		t.Errorf("after a 401: Retry401 %d, TokenMinted %d; want 1, 2", r, m)
	}

	// One 429: one wait.
	base.mu.Lock()
	base.answers = append(base.answers, tooMany("1"))
	base.rate = "user-hour-lim:3600;user-hour-rem:2999;"
	base.mu.Unlock()
	get()
	if w, r := waited.Load(), rates.Load(); w != 1 || r != 2 {
		t.Errorf("after a 429: RateLimitWait %d, RateLimit %d; want 1, 2", w, r)
	}

	// Failed refreshes, waited on by 20 callers: one RefreshFailed for each
	// signature that failed (singleflight joins the callers that overlap).
	kmsDown := errors.New("kms: unavailable")
	var attempts atomic.Int32
	f.signer.Before = func() error { attempts.Add(1); return kmsDown }
	f.clock.Advance(time.Hour)
	for range 20 {
		wg.Go(func() {
			if _, err := f.src.Token(context.Background()); !errors.Is(err, kmsDown) {
				t.Errorf("err = %v", err)
			}
		})
	}
	wg.Wait()
	if n, a := failed.Load(), attempts.Load(); n != a || a < 1 {
		t.Errorf("RefreshFailed fired %d times for %d failed signatures", n, a)
	}
	mu.Lock()
	if !errors.Is(lastErr, kmsDown) || strings.Contains(lastErr.Error(), "eyJ") {
		t.Errorf("RefreshFailed error %v", lastErr)
	}
	mu.Unlock()
}

// TestPanickingTokenMintedInABackgroundRefreshIsReported: a TokenMinted
// hook that panics in a background refresh does not crash the process; the
// panic reaches RefreshFailed as the refresh's error.
func TestPanickingTokenMintedInABackgroundRefreshIsReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var minted atomic.Int32
		failed := make(chan error, 1)
		src, err := NewTokenSource(Config{KeyID: "HOOKS12345", PrivateKey: apitest.NewKey(t), Hooks: &Hooks{
			TokenMinted: func(TokenMinted) {
				if minted.Add(1) == 2 {
					panic("a logging bug")
				}
			},
			RefreshFailed: func(f RefreshFailed) { failed <- f.Err },
		}})
		if err != nil {
			t.Fatal(err)
		}
		apitest.MustToken(t, src.Token)
		time.Sleep(16 * time.Minute) // stale: the next call refreshes in the background
		apitest.MustToken(t, src.Token)
		synctest.Wait()
		select {
		case err := <-failed:
			if !strings.Contains(err.Error(), "the TokenMinted hook panicked: a logging bug") {
				t.Errorf("RefreshFailed heard %v, want the hook's panic", err)
			}
		default:
			t.Error("RefreshFailed was not told of the panic")
		}
	})
}
