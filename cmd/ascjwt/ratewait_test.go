package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

// answers is a server that plays a script: the nth request gets the nth
// answer (the last one repeats), and it records when each came and whether
// it carried a token.
type answers struct {
	mu     sync.Mutex
	script []func(w http.ResponseWriter, r *http.Request)
	times  []time.Time
	tokens []bool
}

func (a *answers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	n := len(a.times)
	a.times = append(a.times, time.Now())
	a.tokens = append(a.tokens, strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ey"))
	a.mu.Unlock()
	a.script[min(n, len(a.script)-1)](w, r)
}

func (a *answers) requests() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.times)
}

func tooMany(retryAfter string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"errors": []map[string]string{{
			"status": "429", "code": "RATE_LIMIT_EXCEEDED", "title": "The request rate limit has been reached.",
			"detail": "We've received too many requests for this API. Please wait and try again or slow down your request rate.",
		}}})
	}
}

func okApps(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"data": []map[string]string{{"type": "apps", "id": "1"}}})
}

func TestAPIWaitsOutA429WithRetryAfterAndSaysSo(t *testing.T) {
	b := newBin(t)
	a := &answers{script: []func(http.ResponseWriter, *http.Request){tooMany("1"), okApps}}
	flags := b.hostile(a)
	r := b.run(append(append([]string{"api"}, flags...), "/v1/apps")...)
	r.expect(t, exitOK, "ascjwt api: rate limited by the server at 127.0.0.1:", "; waiting 1s as Retry-After asks")
	if !strings.Contains(r.stdout, `"id": "1"`) || strings.Contains(r.stdout, "RATE_LIMIT_EXCEEDED") {
		t.Fatalf("stdout is not the answer after the wait:\n%s", r.stdout)
	}
	if n := a.requests(); n != 2 {
		t.Fatalf("%d requests, want the 429 and one more", n)
	}
	if gap := a.times[1].Sub(a.times[0]); gap < 900*time.Millisecond {
		t.Errorf("sent again %s after the 429; Retry-After asked for 1s", gap)
	}
	if !a.tokens[0] || !a.tokens[1] {
		t.Errorf("a request went without a token: %v", a.tokens)
	}
	if n := strings.Count(r.stderr, "\n"); n != 1 {
		t.Errorf("want one line on stderr, got %d:\n%s", n, r.stderr)
	}
}

func TestAPIMaxWaitZeroReturnsThe429AtOnce(t *testing.T) {
	b := newBin(t)
	a := &answers{script: []func(http.ResponseWriter, *http.Request){tooMany("1")}}
	flags := b.hostile(a)
	start := time.Now()
	r := b.run(append(append([]string{"api", "--max-wait", "0"}, flags...), "/v1/apps")...)
	r.expect(t, exitFail, "the API answered 429 Too Many Requests to GET /v1/apps: RATE_LIMIT_EXCEEDED", "retry after 1s", "not waited out, as --max-wait 0 asks")
	if a.requests() != 1 || strings.Contains(r.stderr, "waiting") {
		t.Fatalf("%d requests, stderr %q; want the one 429 back without a wait", a.requests(), r.stderr)
	}
	if !strings.Contains(r.stdout, `"code": "RATE_LIMIT_EXCEEDED"`) {
		t.Fatalf("the 429's body is not on stdout:\n%s", r.stdout)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("took %s; a 429 under --max-wait 0 comes back at once", d)
	}
}

func TestAPIDoesNotWaitPastMaxWait(t *testing.T) {
	b := newBin(t)
	a := &answers{script: []func(http.ResponseWriter, *http.Request){tooMany("30")}}
	flags := b.hostile(a)
	r := b.run(append(append([]string{"api", "--max-wait", "2s"}, flags...), "/v1/apps")...)
	r.expect(t, exitFail, "429 Too Many Requests", "retry after 30s", "not waited out within --max-wait 2s")
	if a.requests() != 1 || strings.Contains(r.stderr, "waiting") {
		t.Fatalf("%d requests, stderr %q; a 30s Retry-After is past --max-wait 2s", a.requests(), r.stderr)
	}
	b.run(append(append([]string{"api", "--max-wait", "-1s"}, flags...), "/v1/apps")...).expect(t, exitUsage, "--max-wait: want 0 (never wait) or a positive duration")
	if a.requests() != 1 {
		t.Fatal("a usage error sent a request")
	}
}

func TestAPIBacksOffA429WithoutRetryAfterAndSaysSo(t *testing.T) {
	b := newBin(t)
	a := &answers{script: []func(http.ResponseWriter, *http.Request){tooMany(""), okApps}}
	flags := b.hostile(a)
	r := b.run(append(append([]string{"api"}, flags...), "/v1/apps")...)
	r.expect(t, exitOK, "rate limited by the server at 127.0.0.1:", "which did not say for how long; waiting ", "before trying again (1 429 so far)")
	if a.requests() != 2 || !strings.Contains(r.stdout, `"id": "1"`) {
		t.Fatalf("%d requests, stdout %q; want the answer after one backoff", a.requests(), r.stdout)
	}
}

// lowBudgetPager serves three pages, each saying the key has 5 of 36,000
// requests left this hour: low, so the Transport paces at one request per
// 100ms.
func lowBudgetPager() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Rate-Limit", "user-hour-lim:36000;user-hour-rem:5;")
		page := r.URL.Query().Get("cursor")
		doc := map[string]any{"data": []map[string]string{{"type": "apps", "id": "a" + page}}}
		switch page {
		case "":
			doc["links"] = map[string]string{"next": "http://" + r.Host + "/v1/apps?cursor=2"}
		case "2":
			doc["links"] = map[string]string{"next": "http://" + r.Host + "/v1/apps?cursor=3"}
		}
		writeJSON(w, http.StatusOK, doc)
	})
}

func TestAPIPacesOnALowBudgetAndSaysSo(t *testing.T) {
	b := newBin(t)
	flags := b.hostile(lowBudgetPager())
	r := b.run(append(append([]string{"api", "--paginate"}, flags...), "/v1/apps")...)
	r.expect(t, exitOK, "ascjwt api: the key's hourly budget at the server at 127.0.0.1:", "is low (5 of 36000 requests left this hour); waiting ", "to spread what is left over the hour")
	if !strings.Contains(r.stdout, `"id": "a3"`) {
		t.Fatalf("not every page on stdout:\n%s", r.stdout)
	}

	// --max-wait 0 means no waiting of any kind.
	r = b.run(append(append([]string{"api", "--paginate", "--max-wait", "0"}, flags...), "/v1/apps")...)
	r.expect(t, exitOK)
	if r.stderr != "" {
		t.Fatalf("--max-wait 0 still waited:\n%s", r.stderr)
	}
}

func TestPaginateProgressLineShowsTheWait(t *testing.T) {
	h := newHarness(t)
	srv := httptest.NewServer(lowBudgetPager())
	t.Cleanup(srv.Close)
	h.sys.client = srv.Client()
	path := h.addKeyPEM("AuthKey_PACING1234.p8", apitest.NewKey(t))
	h.sys.stderrIsTerminal = func() bool { return true }
	r := h.run("api", "--base-url", srv.URL, "--key-id", "PACING1234", "--issuer-id", "57246542-96fe-1a63-e053-0824d011072a", "--key", path, "--paginate", "/v1/apps")
	r.expect(t, exitOK)
	want := "\r\x1b[Kpage 2, 2 items, rate limit: 5 of 36000 left this hour; hourly budget low, pacing: waiting "
	if !strings.Contains(r.stderr, want) || !strings.HasSuffix(r.stderr, "\r\x1b[K") || strings.Contains(r.stderr, "\n") {
		t.Fatalf("the progress line does not show the wait in place:\n%q\nwant it to hold\n%q", r.stderr, want)
	}
}

func TestAPISendsTheTokenToTheBaseURLItIsGiven(t *testing.T) {
	// A host that is neither Apple's nor loopback (the Enterprise Program
	// API, a proxy): the Transport's default host list would send no token
	// there, and the user named it. The name resolves to a loopback server.
	h := newHarness(t)
	a := &answers{script: []func(http.ResponseWriter, *http.Request){okApps}}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	h.sys.client = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
		},
	}}
	t.Cleanup(h.sys.client.CloseIdleConnections)
	path := h.addKeyPEM("AuthKey_ENTERPRISE.p8", apitest.NewKey(t))
	creds := []string{"--key-id", "ENTERPRISE", "--issuer-id", "57246542-96fe-1a63-e053-0824d011072a", "--key", path}
	h.run(append([]string{"api", "--base-url", "http://api.enterprise.example"}, creds...)...).expect(t, exitUsage, "want one PATH")
	r := h.run(append(append([]string{"api", "--base-url", "http://api.enterprise.example"}, creds...), "/v1/apps")...)
	r.expect(t, exitOK)
	if a.requests() != 1 || !a.tokens[0] {
		t.Fatalf("%d requests, tokens %v; want one, with the token", a.requests(), a.tokens)
	}
}

func TestAPIReadsTheBaseURLFromTheEnvironment(t *testing.T) {
	h := newHarness(t)
	srv, creds := h.withServer()
	h.env["ASC_BASE_URL"] = srv.URL
	r := h.run(append([]string{"api"}, creds...)...)
	r.expect(t, exitUsage) // no PATH
	r = h.run(append(append([]string{"api"}, creds...), "/v1/apps/1000000001")...)
	r.expect(t, exitOK)
	if !strings.Contains(r.stdout, `"1000000001"`) {
		t.Fatalf("not the app from %s:\n%s", srv.URL, r.stdout)
	}
	// --base-url wins over the environment.
	h.run(append(append([]string{"api", "--base-url", "http://127.0.0.1:1"}, creds...), "/v1/apps")...).expect(t, exitFail, "127.0.0.1:1")

	secret := "ftp://user:" + strings.Repeat("s3cr3t", 8) + "@example.com"
	h.env["ASC_BASE_URL"] = secret
	r = h.run(append(append([]string{"api"}, creds...), "/v1/apps")...)
	r.expect(t, exitUsage, "ASC_BASE_URL: want an http or https URL", fmt.Sprintf("(%d bytes)", len(secret)))
	if strings.Contains(r.stderr, "s3cr3t") {
		t.Fatalf("the rejected value was quoted:\n%s", r.stderr)
	}
}
