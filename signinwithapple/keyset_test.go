package signinwithapple_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeclock"
	"github.com/ascjwt/ascjwt/signinwithapple"
	"github.com/ascjwt/ascjwt/signinwithapple/signinwithappletest"
)

// TestConcurrentFirstCallsFetchTheKeySetOnce: 200 callers verifying at once
// before any key set is held share one fetch (held open until all have
// asked), and all succeed.
func TestConcurrentFirstCallsFetchTheKeySetOnce(t *testing.T) {
	srv, v := newFake(t)
	_, idToken := srv.Authorize(signinwithappletest.Authorization{})
	srv.Hang()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for range 200 {
		wg.Go(func() {
			err := verifyID(v, idToken)
			errs <- err
		})
	}
	waitFor(t, func() bool { return srv.Stats().Held == 1 }) // the one fetch is in
	srv.Release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Stats().KeyFetches; n != 1 {
		t.Errorf("%d fetches of the key set, want 1", n)
	}
}

// TestRotatedKeyVerifiesAfterOneRefetch: after Apple rotates its key, a
// token signed with the new one names a kid the Verifier does not hold; it
// verifies after one fetch of the set, and tokens of the old key still do.
// Within a minute of the last fetch, a fetch is not repeated for it.
func TestRotatedKeyVerifiesAfterOneRefetch(t *testing.T) {
	srv, v, old := newFakeVerifying(t)
	srv.RotateKeys()
	_, rotated := srv.Authorize(signinwithappletest.Authorization{})

	srv.Advance(30 * time.Second)
	if err := verifyID(v, rotated); !errors.Is(err, signinwithapple.ErrInvalidToken) || !strings.Contains(err.Error(), "names no key") {
		t.Fatalf("30 s after the last fetch: %v, want the kid refused without a fetch", err)
	}
	if n := srv.Stats().KeyFetches; n != 1 {
		t.Fatalf("%d fetches within the minute, want 1", n)
	}

	srv.Advance(31 * time.Second)
	for range 3 {
		if err := verifyID(v, rotated); err != nil {
			t.Fatalf("the rotated key's token: %v", err)
		}
	}
	if err := verifyID(v, old); err != nil {
		t.Fatalf("the old key's token after the rotation: %v", err)
	}
	if n := srv.Stats().KeyFetches; n != 2 {
		t.Errorf("%d fetches, want 2: one at first, one for the new kid", n)
	}
}

// TestForgedKidFloodFetchesAtMostOnceAMinute: 1,000 forged tokens with
// random kids, from many goroutines, cause no fetch within a minute of the
// last one and one fetch in each minute after, by the Verifier's clock;
// each is refused, and a good token still verifies.
func TestForgedKidFloodFetchesAtMostOnceAMinute(t *testing.T) {
	srv, v, good := newFakeVerifying(t)
	attacker := testRSAKeys()[2]
	payload := claimsJSON(t, appleClaims(srv.ClientID(), srv.Now()))
	forged := make([]string, 1000)
	for i := range forged {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		forged[i] = signRS256(t, attacker, `{"kid":"`+hex.EncodeToString(b)+`","alg":"RS256"}`, payload)
	}
	flood := func() {
		var wg sync.WaitGroup
		for w := range 10 {
			wg.Go(func() {
				for _, tok := range forged[w*100 : (w+1)*100] {
					if err := verifyID(v, tok); !errors.Is(err, signinwithapple.ErrInvalidToken) {
						t.Errorf("a forged token: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	want := 1
	for minute, step := range []time.Duration{0, 20 * time.Second, 41 * time.Second, 10 * time.Second, 2 * time.Minute} {
		srv.Advance(step)
		if minute == 2 || minute == 4 {
			want++ // a minute or more since the last fetch
		}
		flood()
		if n := srv.Stats().KeyFetches; n != want {
			t.Fatalf("after flood %d (+%s): %d fetches, want %d", minute, step, n, want)
		}
	}
	if err := verifyID(v, good); err != nil {
		t.Fatalf("the good token after the flood: %v", err)
	}
}

// TestKeySetKeptForItsMaxAge: a set is kept for the Cache-Control max-age
// its response gives (less any Age), for a day when it gives none, and for
// no time (but at most one fetch a minute) under no-store.
func TestKeySetKeptForItsMaxAge(t *testing.T) {
	for _, tc := range []struct {
		header, age string
		kept        time.Duration
	}{
		{"", "", 24 * time.Hour},
		{"public, max-age=3600", "", time.Hour},
		{"max-age=3600", "600", 50 * time.Minute},
		{"max-age=86400, must-revalidate", "", 24 * time.Hour},
		{"max-age=\"7200\"", "", 2 * time.Hour},
		{"no-store", "", time.Minute},
		{"no-cache, max-age=3600", "", time.Minute},
		{"max-age=soon", "", 24 * time.Hour},
	} {
		t.Run(tc.header, func(t *testing.T) {
			key := testRSAKeys()[0]
			ks := newKeyServer(t, key)
			if tc.header != "" {
				ks.setHeader("Cache-Control", tc.header)
			}
			if tc.age != "" {
				ks.setHeader("Age", tc.age)
			}
			clock := fakeclock.New(start)
			v := verifierFor(t, ks, clock.Now, "com.example.app")
			verify := func() {
				t.Helper()
				tok := appleToken(t, key, "com.example.app", clock.Now())
				if err := verifyID(v, tok); err != nil {
					t.Fatal(err)
				}
			}
			verify()
			clock.Advance(tc.kept - time.Second)
			verify()
			if n := ks.fetches.Load(); n != 1 {
				t.Fatalf("%d fetches a second before %s, want 1", n, tc.kept)
			}
			clock.Advance(2 * time.Second)
			verify()
			verify()
			if n := ks.fetches.Load(); n != 2 {
				t.Fatalf("%d fetches a second after %s, want 2", n, tc.kept)
			}
		})
	}
}

// TestKeySetKeptWhenARefetchFails: when the set has expired and Apple's
// endpoint fails (a 503, then a body that is not a key set), tokens of the
// keys held still verify, and a fetch is tried at most once a minute; an
// unknown kid meanwhile is an error that is not ErrInvalidToken, since the
// token may be good.
func TestKeySetKeptWhenARefetchFails(t *testing.T) {
	srv, v, _ := newFakeVerifying(t)
	srv.Advance(24*time.Hour + time.Second)
	srv.Fail(http.StatusServiceUnavailable, "", "")
	_, good := srv.Authorize(signinwithappletest.Authorization{})
	for range 5 {
		if err := verifyID(v, good); err != nil {
			t.Fatalf("a token of a key held, while Apple's endpoint fails: %v", err)
		}
	}
	if n := srv.Stats().KeyFetches; n != 1 {
		t.Errorf("%d fetches answered, want 1 (the 503s are not counted)", n)
	}
	srv.RotateKeys()
	_, rotated := srv.Authorize(signinwithappletest.Authorization{})
	srv.Advance(time.Minute)
	err := verifyID(v, rotated)
	if err == nil || errors.Is(err, signinwithapple.ErrInvalidToken) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("a new kid while the endpoint fails: %v, want an error naming the 503 and not ErrInvalidToken", err)
	}
	srv.Recover()
	srv.Advance(time.Minute)
	if err := verifyID(v, rotated); err != nil {
		t.Fatalf("once the endpoint recovers: %v", err)
	}
}

// TestARefreshUnderWayHoldsNoCallerWithAKnownKey: once the set has
// expired, the caller that starts its refresh waits for it no longer than
// its context and then verifies with the set held; callers whose kid is
// held do not wait for a refresh under way at all.
func TestARefreshUnderWayHoldsNoCallerWithAKnownKey(t *testing.T) {
	srv, v, _ := newFakeVerifying(t)
	srv.Advance(24*time.Hour + time.Second)
	_, good := srv.Authorize(signinwithappletest.Authorization{})
	srv.Hang()
	defer srv.Release()
	ctx, cancel := context.WithTimeout(bg, 100*time.Millisecond)
	defer cancel()
	if _, err := v.VerifyIDToken(ctx, good, signinwithapple.VerifyOptions{}); err != nil {
		t.Fatalf("the caller whose refresh hangs: %v", err)
	}
	waitFor(t, func() bool { return srv.Stats().Held == 1 })
	done := make(chan error, 1)
	go func() {
		err := verifyID(v, good) // no deadline
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a caller with a known kid waited for the refresh under way")
	}
}

// TestKeySetWithBadBodyKeepsTheOldOne: a response that is not a sound key
// set is refused as a whole and the set held is kept.
func TestKeySetWithBadBodyKeepsTheOldOne(t *testing.T) {
	key := testRSAKeys()[0]
	ks := newKeyServer(t, key)
	ks.setHeader("Cache-Control", "max-age=60")
	clock := fakeclock.New(start)
	v := verifierFor(t, ks, clock.Now, "com.example.app")
	tok := func() string {
		return appleToken(t, key, "com.example.app", clock.Now())
	}
	if err := verifyID(v, tok()); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`<html>maintenance</html>`, `{"keys":[]}`, `{"keys":[{"kty":"RSA","kid":"kid0","n":"AA","e":"AQAB"}]}`} {
		ks.setBody(body)
		clock.Advance(2 * time.Minute)
		if err := verifyID(v, tok()); err != nil {
			t.Errorf("after a refetch answered %s: %v", body, err)
		}
	}
	if n := ks.fetches.Load(); n != 4 {
		t.Errorf("%d fetches, want 4", n)
	}
}

// TestFirstFetchFailureIsRetriedAfterAMinute: when the first fetch fails
// there is nothing to verify with; the error says why, and the next fetch
// waits a minute, however many tokens come meanwhile.
func TestFirstFetchFailureIsRetriedAfterAMinute(t *testing.T) {
	srv, v := newFake(t)
	_, good := srv.Authorize(signinwithappletest.Authorization{})
	srv.Fail(http.StatusInternalServerError, "", "")
	for range 10 {
		err := verifyID(v, good)
		if err == nil || errors.Is(err, signinwithapple.ErrInvalidToken) || !strings.Contains(err.Error(), "500") || !strings.Contains(err.Error(), "no key set") {
			t.Fatalf("%v, want an error naming the 500", err)
		}
	}
	srv.Recover()
	srv.Advance(59 * time.Second)
	if err := verifyID(v, good); err == nil {
		t.Fatal("verified within a minute of the failed fetch: it was repeated")
	}
	srv.Advance(time.Second)
	if err := verifyID(v, good); err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().KeyFetches; n != 1 {
		t.Errorf("%d fetches answered, want 1", n)
	}
}

// TestHangingKeysEndpointIsBounded: a keys endpoint that never answers
// holds a caller no longer than its context, or than the HTTP client's
// timeout; and the fetch carries a deadline of its own when the client has
// none.
func TestHangingKeysEndpointIsBounded(t *testing.T) {
	t.Run("caller's deadline", func(t *testing.T) {
		srv, v := newFake(t)
		_, good := srv.Authorize(signinwithappletest.Authorization{})
		srv.Hang()
		ctx, cancel := context.WithTimeout(bg, 100*time.Millisecond)
		defer cancel()
		_, err := v.VerifyIDToken(ctx, good, signinwithapple.VerifyOptions{})
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, signinwithapple.ErrInvalidToken) {
			t.Fatalf("%v, want the context's deadline", err)
		}
		// Another caller joins the fetch under way rather than starting one.
		ctx2, cancel2 := context.WithTimeout(bg, 100*time.Millisecond)
		defer cancel2()
		if _, err := v.VerifyIDToken(ctx2, good, signinwithapple.VerifyOptions{}); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("second caller: %v", err)
		}
		if held := srv.Stats().Held; held != 1 {
			t.Errorf("%d requests held, want the one fetch", held)
		}
		srv.Release()
	})
	t.Run("client's timeout", func(t *testing.T) {
		srv := signinwithappletest.NewServer()
		defer srv.Close()
		v := verifierThrough(t, srv, func(c *http.Client) { c.Timeout = 200 * time.Millisecond })
		_, good := srv.Authorize(signinwithappletest.Authorization{})
		srv.Hang()
		start := time.Now()
		err := verifyID(v, good)
		if err == nil || errors.Is(err, signinwithapple.ErrInvalidToken) || time.Since(start) > 5*time.Second {
			t.Fatalf("%v after %s, want the client's timeout", err, time.Since(start))
		}
		srv.Release()
	})
	t.Run("fetch deadline", func(t *testing.T) {
		srv := signinwithappletest.NewServer()
		defer srv.Close()
		var deadline time.Duration
		var mu sync.Mutex
		v := verifierThrough(t, srv, func(c *http.Client) {
			c.Timeout = 0
			base := c.Transport
			c.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
				mu.Lock()
				if d, ok := r.Context().Deadline(); ok {
					deadline = time.Until(d)
				}
				mu.Unlock()
				return base.RoundTrip(r)
			})
		})
		_, good := srv.Authorize(signinwithappletest.Authorization{})
		if err := verifyID(v, good); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if deadline <= 0 || deadline > 10*time.Second {
			t.Errorf("the fetch's deadline is %s away, want within 10 s", deadline)
		}
	})
}

// TestKeysEndpointRedirectIsNotFollowed: a key set is read from KeysURL
// only.
func TestKeysEndpointRedirectIsNotFollowed(t *testing.T) {
	key := testRSAKeys()[0]
	ks := newKeyServer(t, key)
	redirect := newKeyServer(t)
	redirect.setStatus(http.StatusFound)
	redirect.setHeader("Location", ks.URL)
	v := verifierFor(t, redirect, func() time.Time { return start }, "com.example.app")
	tok := appleToken(t, key, "com.example.app", start)
	if err := verifyID(v, tok); err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Fatalf("%v, want the redirect refused", err)
	}
	if ks.fetches.Load() != 0 {
		t.Error("the redirect was followed")
	}
}

// verifierThrough is a Verifier of srv's key set that fetches it with a
// copy of srv's client as change leaves it.
func verifierThrough(t *testing.T, srv *signinwithappletest.Server, change func(*http.Client)) *signinwithapple.Verifier {
	t.Helper()
	cfg := srv.VerifierConfig()
	client := *srv.Client()
	change(&client)
	cfg.HTTPClient = &client
	v, err := signinwithapple.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// waitFor yields until cond, which a server's counter makes true once a
// request has arrived over loopback, bounded at 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		runtime.Gosched()
	}
}

// TestKeySetErrorNamesTheStatusInGosWords: a key set response's status is
// named by its code and Go's text; the server's own reason phrase, which
// could carry anything, is not echoed.
func TestKeySetErrorNamesTheStatusInGosWords(t *testing.T) {
	srv := signinwithappletest.NewServer()
	defer srv.Close()
	v := verifierThrough(t, srv, func(c *http.Client) {
		c.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 \x1b[2Jcall +1-555-0100",
				Header: http.Header{}, Body: http.NoBody, Request: r}, nil
		})
	})
	_, good := srv.Authorize(signinwithappletest.Authorization{})
	err := verifyID(v, good)
	if err == nil || !strings.Contains(err.Error(), "503 Service Unavailable") || strings.Contains(err.Error(), "555-0100") {
		t.Fatalf("error %q, want the status in Go's words and nothing of the server's phrase", err)
	}
}
