package asctest

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
)

func TestHourlyLimitIsARollingWindow(t *testing.T) {
	srv := newServer(t)
	frozen(srv)
	srv.SetRateLimit(3)
	for _, step := range []struct {
		advance time.Duration
		status  int
		header  string
	}{
		{0, 200, "user-hour-lim:3;user-hour-rem:2;"},                        // t0
		{20 * time.Minute, 200, "user-hour-lim:3;user-hour-rem:1;"},         // t0+20m
		{20 * time.Minute, 200, "user-hour-lim:3;user-hour-rem:0;"},         // t0+40m
		{10 * time.Minute, 429, "user-hour-lim:3;user-hour-rem:0;"},         // t0+50m: three in the last hour
		{10 * time.Minute, 200, "user-hour-lim:3;user-hour-rem:0;"},         // t0+60m: the one at t0 has left the hour
		{20*time.Minute - 1, 429, "user-hour-lim:3;user-hour-rem:0;"},       // just before the one at t0+20m leaves
		{1, 200, "user-hour-lim:3;user-hour-rem:0;"},                        // t0+80m: it has
		{2 * time.Hour, 200, "user-hour-lim:3;user-hour-rem:2;"},            // all gone
		{0, 200, "user-hour-lim:3;user-hour-rem:1;"},                        // counted again from there
		{0, 200, "user-hour-lim:3;user-hour-rem:0;"},                        //
		{0, http.StatusTooManyRequests, "user-hour-lim:3;user-hour-rem:0;"}, //
	} {
		srv.Advance(step.advance)
		auth := bearer(t, srv) // a token lives 20 minutes: a new one at each step
		status, errs, header := get(t, srv, "/v1/apps", auth)
		if status != step.status || header != step.header {
			t.Fatalf("at +%s: %d %q; want %d %q", srv.Now().Sub(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)), status, header, step.status, step.header)
		}
		if status == 429 && (len(errs) != 1 || errs[0].Code != "RATE_LIMIT_EXCEEDED") {
			t.Errorf("429 body %+v, want RATE_LIMIT_EXCEEDED", errs)
		}
	}
	if st := srv.Stats(); st.RateLimited != 3 || st.BurstLimited != 0 || st.Accepted != 8 {
		t.Errorf("stats %+v; want 8 accepted, 3 rate limited, none by the burst limit", st)
	}
}

func TestRateWindowMemoryStaysWithinItsLimit(t *testing.T) {
	srv := NewUnstartedServer()
	defer srv.Close()
	frozen(srv)
	const limit = 50
	srv.SetRateLimit(limit)
	srv.SetBurstLimit(5)
	id := srv.Key().ID
	accepted := 0
	for i := range 20000 {
		srv.Advance(37 * time.Millisecond) // about 27 a second: the burst limit refuses most
		srv.mu.Lock()
		v := srv.spend(id, appStoreConnect, srv.Now())
		l := &srv.limits[id][appStoreConnect]
		hour, second := len(l.hour.times), len(l.second.times)
		srv.mu.Unlock()
		if v.ok {
			accepted++
		}
		if hour > 2*limit+1 || second > 2*5+1 {
			t.Fatalf("after %d requests the windows hold %d and %d moments; want at most %d and %d", i+1, hour, second, 2*limit+1, 11)
		}
	}
	// 20000 * 37 ms is about 12 minutes: 50 an hour means 50 accepted.
	if accepted != limit {
		t.Errorf("accepted %d, want %d", accepted, limit)
	}
}

func TestBurstLimitAnswers429WithRetryAfterSeconds(t *testing.T) {
	srv := newServer(t)
	frozen(srv)
	srv.SetBurstLimit(2)
	auth := bearer(t, srv)
	for i := range 2 {
		if status, _, _ := get(t, srv, "/v1/apps", auth); status != 200 {
			t.Fatalf("request %d within the burst: %d", i+1, status)
		}
	}
	req, _ := http.NewRequest("GET", srv.URL+"/v1/apps", nil)
	req.Header.Set("Authorization", auth)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	apiErr := ascjwt.CheckResponse(resp)
	resp.Body.Close()
	var e *ascjwt.APIError
	if !errors.As(apiErr, &e) || e.StatusCode != 429 || len(e.Errors) != 1 || e.Errors[0].Code != "RATE_LIMIT_EXCEEDED" {
		t.Fatalf("past the burst: %v; want 429 RATE_LIMIT_EXCEEDED", apiErr)
	}
	if ra := resp.Header.Get("Retry-After"); ra != "1" {
		t.Errorf("Retry-After %q, want 1 (second)", ra)
	}
	if rl := resp.Header.Get("X-Rate-Limit"); rl != "user-hour-lim:3500;user-hour-rem:3498;" {
		t.Errorf("X-Rate-Limit %q: a request refused for the burst must not spend the hourly budget", rl)
	}
	srv.Advance(999 * time.Millisecond)
	if status, _, _ := get(t, srv, "/v1/apps", auth); status != 429 {
		t.Errorf("999 ms later: %d, want 429", status)
	}
	srv.Advance(time.Millisecond)
	if status, _, header := get(t, srv, "/v1/apps", auth); status != 200 || header != "user-hour-lim:3500;user-hour-rem:3497;" {
		t.Errorf("a second later: %d %q, want 200 with 3497 left", status, header)
	}
	if st := srv.Stats(); st.BurstLimited != 2 || st.RateLimited != 2 || st.Accepted != 3 {
		t.Errorf("stats %+v; want 3 accepted, 2 refused by the burst limit", st)
	}
	srv.SetBurstLimit(0)
	for i := range 5 {
		if status, _, _ := get(t, srv, "/v1/apps", auth); status != 200 {
			t.Fatalf("request %d with the burst limit off: %d", i+1, status)
		}
	}
}

// storeGet sends a GET to an App Store Server API path.
func storeGet(t *testing.T, srv *Server, path, auth string) (*http.Response, []byte) {
	t.Helper()
	return send(t, srv, "GET", srv.URL+path, auth, nil, nil)
}

func TestStoreServerRoutesAnswer429InTheirOwnForm(t *testing.T) {
	srv := newServer(t)
	t0 := frozen(srv)
	srv.SetRateLimit(2)
	src := source(t, srv, withBundleID("com.example.game"))
	client := &http.Client{Transport: &ascjwt.Transport{Source: src, Base: srv.Client().Transport, MaxRetryWait: -1}}

	get := func() (*http.Response, []byte) {
		t.Helper()
		resp, err := client.Get(srv.URL + "/inApps/v1/history/2000000123456789")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	resp, body := get()
	var h historyResponse
	if err := json.Unmarshal(body, &h); err != nil || resp.StatusCode != 200 || h.BundleID != "com.example.game" || len(h.SignedTransactions) != 1 {
		t.Fatalf("history: %d %s", resp.StatusCode, body)
	}
	if rl := resp.Header.Get("X-Rate-Limit"); rl != "" {
		t.Errorf("the App Store Server API sends no X-Rate-Limit; got %q", rl)
	}
	tx := verifyStoreJWS(t, h.SignedTransactions[0], srv.StorePublicKey())
	if tx["transactionId"] != "2000000123456789" || tx["bundleId"] != "com.example.game" {
		t.Errorf("signed transaction %v", tx)
	}

	srv.Advance(10 * time.Minute)
	get()
	resp, body = get()
	if resp.StatusCode != http.StatusTooManyRequests || string(body) != `{"errorCode":4290000,"errorMessage":"Rate limit exceeded."}`+"\n" {
		t.Fatalf("past the hourly limit: %d %s", resp.StatusCode, body)
	}
	// The first request leaves the hour at t0+1h: that moment, in UNIX ms.
	if ra := resp.Header.Get("Retry-After"); ra != strconv.FormatInt(t0.Add(time.Hour).UnixMilli(), 10) {
		t.Errorf("Retry-After %q, want %d (UNIX ms of t0+1h)", ra, t0.Add(time.Hour).UnixMilli())
	}
	// The package reads the same answer: errorCode, and the wait asked.
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	var e *ascjwt.APIError
	if !errors.As(ascjwt.CheckResponse(resp), &e) || e.ErrorCode != 4290000 {
		t.Errorf("CheckResponse: %+v", e)
	}

	// A budget of its own: App Store Connect requests still pass.
	if status, _, _ := get2(t, srv, "/v1/apps"); status != 200 {
		t.Errorf("an App Store Connect request: %d, want 200", status)
	}

	// The burst limit answers in the same form, with its own moment.
	srv.Advance(time.Hour)
	srv.SetBurstLimit(1)
	get()
	resp, _ = get()
	if want := strconv.FormatInt(srv.Now().Add(time.Second).UnixMilli(), 10); resp.StatusCode != 429 || resp.Header.Get("Retry-After") != want {
		t.Errorf("past the burst: %d Retry-After %q; want 429 %s", resp.StatusCode, resp.Header.Get("Retry-After"), want)
	}
	if st := srv.Stats(); st.RateLimited != 2 || st.BurstLimited != 1 {
		t.Errorf("stats %+v", st)
	}
}

// get2 is get with a fresh token for the server's key.
func get2(t *testing.T, srv *Server, path string) (int, []Error, string) {
	return get(t, srv, path, bearer(t, srv))
}

// verifyStoreJWS checks a compact ES256 JWS by hand and returns its payload.
func verifyStoreJWS(t *testing.T, jws string, pub *ecdsa.PublicKey) map[string]any {
	t.Helper()
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		t.Fatalf("a JWS has three parts, not %d", len(parts))
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		t.Fatalf("signature: %v, %d bytes", err, len(sig))
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatal("the transaction's signature does not verify")
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestStoreServer401IsNotJSONAndBadIDsAre400AndBidIsRequired(t *testing.T) {
	srv := newServer(t)
	resp, body := storeGet(t, srv, "/inApps/v1/history/123", "Bearer not.a.token")
	if resp.StatusCode != 401 || !strings.HasPrefix(string(body), "Unauthenticated\n\nRequest ID: ") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("a bad token: %d %q %q; want 401 Unauthenticated as text", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if strings.Contains(string(body), "not.a.token") {
		t.Errorf("the 401 quotes the token: %q", body)
	}
	if last := srv.Stats().LastRejection; last == "" {
		t.Error("LastRejection is empty: the reason must be there, since the answer does not say it")
	}
	if resp, _ = storeGet(t, srv, "/inApps/v1/history/123", bearer(t, srv)); resp.StatusCode != 401 || !strings.HasPrefix(srv.Stats().LastRejection, "bid: ") {
		t.Errorf("an App Store Connect token without bid: %d, %q; want 401 naming rule bid", resp.StatusCode, srv.Stats().LastRejection)
	}
	auth := bearer(t, srv, withBundleID("com.example.app"))
	resp, body = storeGet(t, srv, "/inApps/v1/history/12ab", auth)
	if resp.StatusCode != 400 || string(body) != `{"errorCode":4000006,"errorMessage":"Invalid transaction id."}`+"\n" {
		t.Errorf("a bad transaction ID: %d %s", resp.StatusCode, body)
	}
	if resp, body = storeGet(t, srv, "/inApps/v1/nothing", auth); resp.StatusCode != 404 || len(body) != 0 {
		t.Errorf("an unknown App Store Server path: %d %q; want 404 without a body", resp.StatusCode, body)
	}
	if resp, _ = storeGet(t, srv, "/inApps/v2/history/123", auth); resp.StatusCode != 200 {
		t.Errorf("v2 history: %d", resp.StatusCode)
	}
}

func TestConcurrentRequestsSpendTheBudgetExactly(t *testing.T) {
	srv := newServer(t)
	frozen(srv)
	srv.SetRateLimit(20)
	srv.SetBurstLimit(15)
	auth := bearer(t, srv)
	var ok, limited, burst atomic.Int32
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", srv.URL+"/v1/apps", nil)
			req.Header.Set("Authorization", auth)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch {
			case resp.StatusCode == 200:
				ok.Add(1)
			case resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "1":
				burst.Add(1)
			case resp.StatusCode == 429:
				limited.Add(1)
			}
		})
	}
	wg.Wait()
	// The clock stands still: 15 pass the burst limit, the rest wait a second.
	if ok.Load() != 15 || burst.Load() != 25 {
		t.Fatalf("%d accepted, %d over the burst, %d over the hour; want 15, 25, 0", ok.Load(), burst.Load(), limited.Load())
	}
	srv.Advance(time.Second)
	ok.Store(0)
	for range 40 {
		wg.Go(func() {
			if status, _, _ := get(t, srv, "/v1/apps", auth); status == 200 {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if st := srv.Stats(); ok.Load() != 5 || st.Accepted != 20 {
		t.Errorf("a second later: %d more accepted (stats %+v); want 5, for 20 in the hour", ok.Load(), st)
	}
}
