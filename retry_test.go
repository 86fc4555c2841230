package ascjwt_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

func TestRetryOn401WithOneNewSignature(t *testing.T) {
	srv := newFake(t)
	client, signer, _ := newCountingClient(t, srv)
	requireStatus(t, client, srv.URL+"/v1/apps", 200, "first request")
	srv.RevokeTokens(srv.Key().ID) // the server stops trusting the cached token

	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			if code := apitest.StatusOfConcurrent(t, client, srv.URL+"/v1/apps"); code != 200 {
				t.Errorf("after revocation: %d (%s)", code, srv.Stats().LastRejection)
			}
		})
	}
	wg.Wait()
	if n := signer.N.Load(); n != 2 {
		t.Errorf("%d signatures, want 2: the first token and one replacement for 100 refused requests", n)
	}
	if st := srv.Stats(); st.Tokens != 2 || st.Accepted != 101 {
		t.Errorf("server stats %+v", st)
	}
}

func TestSecond401GoesBackToCaller(t *testing.T) {
	srv := newFake(t)
	client, signer, _ := newCountingClient(t, srv)
	srv.Revoke(srv.Key().ID) // no token of this key will pass

	resp, err := client.Get(srv.URL + "/v1/apps")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(body), "NOT_AUTHORIZED") {
		t.Fatalf("got %d %s, want the second 401 with its body", resp.StatusCode, body)
	}
	if st := srv.Stats(); st.Rejected != 2 {
		t.Errorf("server saw %d refused requests, want 2: one try and one retry", st.Rejected)
	}
	if n := signer.N.Load(); n != 2 {
		t.Errorf("%d signatures, want 2", n)
	}
}

func TestRetryReplaysBody(t *testing.T) {
	srv := newFake(t)
	var mu sync.Mutex
	var bodies []string
	srv.Handle("POST /v1/echo", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		w.Write(b)
	}))
	client, _, src := newCountingClient(t, srv)
	apitest.MustToken(t, src.Token)
	// Make the server see the current token, then refuse it.
	requireStatus(t, client, srv.URL+"/v1/apps", 200, "the request")
	srv.RevokeTokens(srv.Key().ID)

	// bytes.Reader: NewRequest sets GetBody, so the request can be replayed.
	resp, err := client.Post(srv.URL+"/v1/echo", "application/json", bytes.NewReader([]byte(`{"a":1}`)))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if resp.StatusCode != 200 || string(got) != `{"a":1}` || len(bodies) != 1 {
		t.Fatalf("replayed POST: %d %q, handler saw %q", resp.StatusCode, got, bodies)
	}

	// A body without GetBody cannot be sent twice: the 401 comes back. The
	// refused token is dropped all the same, so the next request carries a
	// new one instead of being refused too.
	srv.Advance(2 * time.Minute) // past the once-a-minute bound on drops
	srv.RevokeTokens(srv.Key().ID)
	resp, err = client.Post(srv.URL+"/v1/echo", "application/json", io.MultiReader(strings.NewReader(`{"b":2}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("one-shot body: %d, want the 401 returned", resp.StatusCode)
	}
	refused := srv.Stats().Rejected
	if code := apitest.StatusOfConcurrent(t, client, srv.URL+"/v1/apps"); code != 200 || srv.Stats().Rejected != refused {
		t.Fatalf("the request after it: %d, %d more refused; want a new token at once", code, srv.Stats().Rejected-refused)
	}
}

func TestOutOfScope401DoesNotCostASignatureEach(t *testing.T) {
	srv := newFake(t)
	client, signer, _ := newCountingClient(t, srv, func(c *ascjwt.Config) { c.Scope = []string{"GET /v1/apps"} })
	for range 10 {
		requireStatus(t, client, srv.URL+"/v1/apps/1000000001", 401, "out of scope")
	}
	// The first 401 drops the token and retries with a new one, which is
	// refused too; within the minute no 401 drops another.
	if n := signer.N.Load(); n != 2 {
		t.Errorf("%d signatures for 10 refused requests, want 2", n)
	}
	if code := apitest.StatusOfConcurrent(t, client, srv.URL+"/v1/apps"); code != 200 {
		t.Errorf("in scope: %d", code)
	}
}

func TestNoRetryWithForeignSource(t *testing.T) {
	var sent int
	tr := &ascjwt.Transport{Source: staticSource("t"), Base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent++
		return &http.Response{StatusCode: 401, Body: io.NopCloser(strings.NewReader("no")), Request: r}, nil
	})}
	req, _ := http.NewRequest("GET", "https://api.appstoreconnect.apple.com/v1/apps", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != 401 || sent != 1 {
		t.Fatalf("got %v, %v after %d sends; want the 401 after one: a source that cannot drop a token gains nothing from a retry", resp, err, sent)
	}
}

// TestStalled401BodyDoesNotHoldTheRequest: a 401 whose body never ends is
// closed unread, not drained, so the retry's answer reaches the caller at
// once instead of the request waiting for its deadline (or forever).
func TestStalled401BodyDoesNotHoldTheRequest(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(refuseFirstThenServe(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized) // no Content-Length: chunked
		w.Write([]byte(`{"errors":[{"status":"401",`))
		w.(http.Flusher).Flush()
		<-release // the rest never comes while the client waits
	}))
	defer srv.Close()
	defer close(release) // runs first: lets the handler end before Close waits for it
	checkRetryAnswerReachesCaller(t, srv)
}

// refuseFirstThenServe is a handler that answers the first request with
// refuse and every later one with a 200 and an empty list of data.
func refuseFirstThenServe(refuse http.HandlerFunc) http.Handler {
	var first sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		isFirst := false
		first.Do(func() { isFirst = true })
		if isFirst {
			refuse(w, r) // outside Do: a refusal that stalls must not hold the next request
			return
		}
		w.Write([]byte(`{"data":[]}`))
	})
}

// checkRetryAnswerReachesCaller sends a GET through a client over srv, whose
// first response is a 401 that stalls, and fails t unless the retry's 200
// comes back.
func checkRetryAnswerReachesCaller(t *testing.T, srv *httptest.Server) {
	t.Helper()
	src := apitest.Must(t, ascjwt.NewTokenSource, ascjwt.Config{KeyID: "STALL12345", PrivateKey: apitest.NewKey(t)})
	// The deadline bounds a hang; it is not how the test passes.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v1/apps", nil)
	resp, err := ascjwt.NewClient(srv.Client(), src).Do(req)
	if err != nil {
		t.Fatalf("err = %v; want the retry's answer, not a request held by the stalled 401", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d, want the retry's 200", resp.StatusCode)
	}
}

// TestStalledRefusedBodyOfDeclaredLengthDoesNotHoldTheRetry: a 401 that
// declares a small body, sends part of it and stalls does not hold the
// request either: the retry with a new token goes out and its answer comes
// back, over HTTP/1.1 and HTTP/2 alike.
func TestStalledRefusedBodyOfDeclaredLengthDoesNotHoldTheRetry(t *testing.T) {
	for _, http2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "HTTP/1.1", true: "HTTP/2"}[http2], func(t *testing.T) {
			release := make(chan struct{})
			srv := httptest.NewUnstartedServer(refuseFirstThenServe(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "100")
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"errors":[`)) // 11 of the 100 bytes it declared
				w.(http.Flusher).Flush()
				select { // the rest never comes while the client waits
				case <-release:
				case <-r.Context().Done():
				}
			}))
			srv.EnableHTTP2 = http2
			srv.StartTLS()
			defer srv.Close()
			defer close(release) // runs first: lets the handler end before Close waits for it
			checkRetryAnswerReachesCaller(t, srv)
		})
	}
}

// TestAcceptedTokenRefusedIsReplacedAtOnce: an out-of-scope 401 uses the
// once-a-minute drop, but a token the server has since accepted and then
// refuses (a revocation seconds later) is replaced at once.
func TestAcceptedTokenRefusedIsReplacedAtOnce(t *testing.T) {
	srv := newFake(t)
	client, signer, _ := newCountingClient(t, srv, func(c *ascjwt.Config) { c.Scope = []string{"GET /v1/apps"} })
	requireStatus(t, client, srv.URL+"/v1/apps", 200, "in scope")
	requireStatus(t, client, srv.URL+"/v1/apps/1000000001", 401, "out of scope")
	if n := signer.N.Load(); n != 2 {
		t.Fatalf("%d signatures after the out-of-scope 401, want 2: the accepted token is replaced, the new one refused too", n)
	}
	requireStatus(t, client, srv.URL+"/v1/apps", 200, "in scope with the second token")
	srv.Advance(5 * time.Second)
	srv.RevokeTokens(srv.Key().ID)
	if code := apitest.StatusOfConcurrent(t, client, srv.URL+"/v1/apps"); code != 200 {
		t.Fatalf("after a revocation seconds later: %d (%s); want it cured at once", code, srv.Stats().LastRejection)
	}
	if n := signer.N.Load(); n != 3 {
		t.Errorf("%d signatures, want 3", n)
	}
}

// logged is a user's own TokenSource around another, as a metrics or
// logging wrapper would be, passing refusals on through ascjwt.Invalidator.
type logged struct {
	inner ascjwt.TokenSource
	calls atomic.Int64
}

func (l *logged) Token(ctx context.Context) (*ascjwt.Token, error) {
	l.calls.Add(1)
	return l.inner.Token(ctx)
}

func (l *logged) InvalidateToken(tok *ascjwt.Token) {
	if inv, ok := l.inner.(ascjwt.Invalidator); ok {
		inv.InvalidateToken(tok)
	}
}

// TestWrappedSourceKeepsThe401Retry: a wrapper that implements Invalidator
// keeps the retry that a plain wrapper loses (TestNoRetryWithForeignSource).
func TestWrappedSourceKeepsThe401Retry(t *testing.T) {
	srv := newFake(t)
	inner, signer := newCountingSource(t, srv)
	w := &logged{inner: inner}
	client := ascjwt.NewClient(srv.Client(), w)
	requireStatus(t, client, srv.URL+"/v1/apps", 200, "the request")
	srv.RevokeTokens(srv.Key().ID)
	if code := apitest.StatusOfConcurrent(t, client, srv.URL+"/v1/apps"); code != 200 {
		t.Fatalf("after revocation through the wrapper: %d, want the retry's 200", code)
	}
	if n, calls := signer.N.Load(), w.calls.Load(); n != 2 || calls != 3 {
		t.Errorf("%d signatures and %d Token calls, want 2 and 3", n, calls)
	}
}
