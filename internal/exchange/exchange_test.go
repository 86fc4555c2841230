package exchange

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ascjwt/ascjwt/internal/exchange/exchangetest"
	"github.com/ascjwt/ascjwt/internal/fakeclock"
)

// tok is the token type of these tests; the API packages use ascjwt.Token.
type tok struct {
	value    string
	iat, exp time.Time
}

// endpoint is a token endpoint for tests: it answers with what respond
// returns, and counts the requests it saw. Its requests go to URL through
// client.
type endpoint struct {
	URL      string
	client   *http.Client
	requests atomic.Int32
	arrived  chan struct{} // one for each request, as it arrives
}

// newEndpoint serves respond on loopback, closed at the end of t.
func newEndpoint(t *testing.T, respond func(w http.ResponseWriter, r *http.Request)) *endpoint {
	t.Helper()
	e, h := counting(respond)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e.URL, e.client = srv.URL, srv.Client()
	return e
}

// newEndpointInBubble is newEndpoint for a synctest bubble: respond runs on
// the goroutine of the exchange, with no socket between, so that an
// exchange it holds is durably blocked.
func newEndpointInBubble(respond func(w http.ResponseWriter, r *http.Request)) *endpoint {
	e, h := counting(respond)
	e.URL, e.client = "https://token.test/", &http.Client{Transport: exchangetest.Transport(h)}
	return e
}

// counting returns an endpoint and the handler that counts its requests
// and answers them with respond.
func counting(respond func(w http.ResponseWriter, r *http.Request)) (*endpoint, http.Handler) {
	e := &endpoint{arrived: make(chan struct{}, 100)}
	return e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.requests.Add(1)
		e.arrived <- struct{}{}
		respond(w, r)
	})
}

// wantExchanges fails t unless the endpoint has had want exchanges; when
// says at what point of the test, and why that many.
func (e *endpoint) wantExchanges(t *testing.T, want int32, when string) {
	t.Helper()
	if n := e.requests.Load(); n != want {
		t.Fatalf("%d exchanges %s; want %d", n, when, want)
	}
}

// issue answers with a new access token of an hour.
func issue() func(w http.ResponseWriter, r *http.Request) {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"access_token":"token-%d","expires_in":3600}`, n.Add(1))
	}
}

// refuse answers every request with an OAuth error.
func refuse(status int, code string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":%q}`, code)
	}
}

var t0 = time.Date(2026, 6, 9, 10, 0, 0, 0, time.UTC)

// newSource returns a source that posts to e, on clock, and the contexts
// its requests were made with.
func newSource(t *testing.T, e *endpoint, clock *fakeclock.Clock) (*Source[tok], chan context.Context) {
	t.Helper()
	ctxs := make(chan context.Context, 100)
	s := New(Config[tok]{
		Package: "test", Credential: "assertion",
		Client: NoRedirects(e.client), Now: clock.Now, Format: OAuth,
		Request: func(ctx context.Context, now time.Time) (Attempt, error) {
			ctxs <- ctx
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, strings.NewReader("grant_type=client_credentials"))
			return Attempt{Request: req, Secret: "header.secret-payload-of-the-assertion.secret-signature-of-the-assertion"}, err
		},
		Make:  func(v string, iat, exp time.Time) tok { return tok{v, iat, exp} },
		Value: func(t *tok) string { return t.value },
	})
	return s, ctxs
}

type ctxKey struct{}

func TestExchangeRunsWithoutTheCallersValues(t *testing.T) {
	e := newEndpoint(t, issue())
	s, ctxs := newSource(t, e, fakeclock.New(t0))
	var traced atomic.Int32
	trace := &httptrace.ClientTrace{WroteHeaderField: func(string, []string) { traced.Add(1) }}
	ctx := httptrace.WithClientTrace(context.WithValue(context.Background(), ctxKey{}, "the caller's"), trace)
	if _, err := s.Token(ctx); err != nil {
		t.Fatal(err)
	}
	got := <-ctxs
	if got.Value(ctxKey{}) != nil || httptrace.ContextClientTrace(got) != nil {
		t.Error("the exchange's context carries the caller's values")
	}
	if n := traced.Load(); n != 0 {
		t.Errorf("the caller's ClientTrace saw %d header fields of the exchange", n)
	}
	if _, ok := got.Deadline(); !ok {
		t.Error("the exchange's context has no deadline: its timeout was lost")
	}
}

// hanging is an endpoint that holds each request until the client gives up
// on it, and reports each one given up.
func hanging(t *testing.T) (*endpoint, chan struct{}) {
	gaveUp := make(chan struct{}, 10)
	return newEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that the server watches the connection
		<-r.Context().Done()
		gaveUp <- struct{}{}
	}), gaveUp
}

// within fails the test if c does not deliver within a generous bound: a
// failure's bound, not a synchronization.
func within[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not happen", what)
		panic("unreachable")
	}
}

func TestExchangeEndsWhenItsOnlyCallerGivesUp(t *testing.T) {
	e, gaveUp := hanging(t)
	s, _ := newSource(t, e, fakeclock.New(t0))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := s.Token(ctx)
		errc <- err
	}()
	within(t, e.arrived, "the exchange's request")
	cancel()
	if err := within(t, errc, "the caller's return"); !errors.Is(err, context.Canceled) {
		t.Fatalf("caller: %v, want its context's error", err)
	}
	within(t, gaveUp, "the exchange's end once its only caller gave up")
}

func TestExchangeEndsAtItsOnlyCallersDeadline(t *testing.T) {
	e, gaveUp := hanging(t)
	s, _ := newSource(t, e, fakeclock.New(t0))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Token(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("caller: %v, want its deadline's error", err)
	}
	within(t, gaveUp, "the exchange's end at its only caller's deadline")
}

func TestExchangeGoesOnWhileAnotherCallerWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var release = make(chan struct{})
		e := newEndpointInBubble(func(w http.ResponseWriter, r *http.Request) {
			<-release
			fmt.Fprint(w, `{"access_token":"the-token","expires_in":3600}`)
		})
		s, _ := newSource(t, e, fakeclock.New(t0))
		impatient, cancel := context.WithCancel(context.Background())
		errs := make(chan error, 2)
		go func() { _, err := s.Token(impatient); errs <- err }()
		within(t, e.arrived, "the exchange's request")
		patient := make(chan *tok, 1)
		go func() {
			v, err := s.Token(context.Background())
			if err != nil {
				errs <- err
			}
			patient <- v
		}()
		synctest.Wait() // the patient caller is inside Token, waiting
		cancel()
		if err := within(t, errs, "the impatient caller's return"); !errors.Is(err, context.Canceled) {
			t.Fatalf("impatient caller: %v", err)
		}
		close(release)
		if v := within(t, patient, "the patient caller's token"); v == nil || v.value != "the-token" {
			t.Fatalf("patient caller got %v", v)
		}
		if n := e.requests.Load(); n != 1 {
			t.Errorf("%d exchanges, want 1: the impatient caller's giving up did not end it", n)
		}
	})
}

func TestBackgroundExchangeOutlivesTheCallerThatStartedIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := fakeclock.New(t0)
		release := make(chan struct{})
		var n atomic.Int32
		e := newEndpointInBubble(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 2 {
				<-release
			}
			fmt.Fprintf(w, `{"access_token":"token-%d","expires_in":3600}`, n.Load())
		})
		s, _ := newSource(t, e, clock)
		first, err := s.Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(50 * time.Minute) // stale: replaced in the background
		ctx, cancel := context.WithCancel(context.Background())
		if v, err := s.Token(ctx); err != nil || v != first {
			t.Fatalf("stale call: %v, want the current token at once", err)
		}
		cancel() // the request that started the exchange is over
		within(t, e.arrived, "the first exchange")
		within(t, e.arrived, "the background exchange's request")
		close(release)
		synctest.Wait() // until the background exchange has ended
		if v, err := s.Token(context.Background()); err != nil || v.value != "token-2" {
			t.Fatalf("after the background exchange: %v, %v; want token-2", v, err)
		}
	})
}

func TestPermanentFailureIsRetriedOnceThenBackedOff(t *testing.T) {
	clock := fakeclock.New(t0)
	e := newEndpoint(t, refuse(http.StatusBadRequest, "invalid_client"))
	var failed atomic.Int32
	s := withFailedHook(t, e, clock, &failed)
	for i := range 5 {
		_, err := s.Token(context.Background())
		var xe *Error
		if !errors.As(err, &xe) || xe.Code != "invalid_client" {
			t.Fatalf("call %d: %v, want the endpoint's invalid_client", i+1, err)
		}
	}
	e.wantExchanges(t, 2, "for 5 calls: the first retry at once, then a wait")
	if n := failed.Load(); n != 2 {
		t.Errorf("RefreshFailed told of %d failures, want the 2 exchanges made", n)
	}
	_, err := s.Token(context.Background())
	if err == nil || !strings.Contains(err.Error(), "the next exchange is tried in 30s") || !strings.HasPrefix(err.Error(), "test: ") {
		t.Errorf("while backing off: %v; want the last error and when the next exchange is", err)
	}
	clock.Advance(30 * time.Second)
	s.Token(context.Background())
	e.wantExchanges(t, 3, "after the wait")
	clock.Advance(59 * time.Second) // the wait has doubled
	s.Token(context.Background())
	e.wantExchanges(t, 3, "59 s after the third failure: the wait doubles")
	clock.Advance(time.Second)
	s.Token(context.Background())
	e.wantExchanges(t, 4, "a minute after the third failure")
}

// withFailedHook is newSource with a RefreshFailed hook counting into n.
func withFailedHook(t *testing.T, e *endpoint, clock *fakeclock.Clock, n *atomic.Int32) *Source[tok] {
	t.Helper()
	return New(Config[tok]{
		Package: "test", Credential: "assertion",
		Client: NoRedirects(e.client), Now: clock.Now, Format: OAuth,
		Request: func(ctx context.Context, now time.Time) (Attempt, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, nil)
			return Attempt{Request: req}, err
		},
		Make:   func(v string, iat, exp time.Time) tok { return tok{v, iat, exp} },
		Value:  func(t *tok) string { return t.value },
		Failed: func(error) { n.Add(1) },
	})
}

func TestBackoffEndsWithASuccess(t *testing.T) {
	clock := fakeclock.New(t0)
	var failing atomic.Bool
	failing.Store(true)
	good := issue()
	e := newEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			refuse(http.StatusUnauthorized, "invalid_client")(w, r)
			return
		}
		good(w, r)
	})
	s, _ := newSource(t, e, clock)
	s.Token(context.Background())
	s.Token(context.Background())
	failing.Store(false)
	clock.Advance(30 * time.Second)
	if _, err := s.Token(context.Background()); err != nil {
		t.Fatalf("after the wait, with the endpoint fixed: %v", err)
	}
	clock.Advance(time.Hour)
	failing.Store(true)
	s.Token(context.Background())
	s.Token(context.Background())
	e.wantExchanges(t, 5, "in all: a success forgets the failures before it")
}

func TestBackoffSchedule(t *testing.T) {
	permanent := &Error{StatusCode: 400, Code: "invalid_client"}
	temporary := &Error{StatusCode: 503}
	quota := &Error{StatusCode: 429, RetryAfter: 3 * time.Minute}
	network := errors.New("connection refused")
	for _, tc := range []struct {
		n    int
		err  error
		want time.Duration
	}{
		{1, permanent, 0}, {2, permanent, 30 * time.Second}, {3, permanent, time.Minute}, {9, permanent, 10 * time.Minute}, {99, permanent, 10 * time.Minute},
		{1, temporary, 0}, {3, temporary, 0}, {4, temporary, time.Second}, {5, temporary, 2 * time.Second}, {40, temporary, time.Minute},
		{1, network, 0}, {4, network, time.Second},
		{1, quota, 3 * time.Minute}, {4, quota, 8 * time.Minute}, {5, quota, 10 * time.Minute},
		{1, &Error{StatusCode: 429, RetryAfter: 24 * time.Hour}, 10 * time.Minute},
		{1, &Error{StatusCode: 429}, time.Minute},
	} {
		if got := delay(tc.n, tc.err); got != tc.want {
			t.Errorf("wait after failure %d of %v = %s, want %s", tc.n, tc.err, got, tc.want)
		}
	}
}

func TestTemporaryFailuresAreRetriedAtOnceAFewTimes(t *testing.T) {
	clock := fakeclock.New(t0)
	e := newEndpoint(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) })
	s, _ := newSource(t, e, clock)
	for range 10 {
		s.Token(context.Background())
	}
	e.wantExchanges(t, 4, "for 10 calls to a failing endpoint: three retries at once, then a wait")
	clock.Advance(time.Second)
	s.Token(context.Background())
	e.wantExchanges(t, 5, "a second later")
}

// accept marks the current token accepted, as the Transport does on a 2xx.
func accept(s *Source[tok]) {
	s.mu.Lock()
	s.cur.accepted.Store(true)
	s.mu.Unlock()
}

// issuingSource is a source on a fake clock over an endpoint that issues an
// hour's token to every exchange, and get, which returns the source's
// token, failing t on an error.
func issuingSource(t *testing.T) (s *Source[tok], e *endpoint, clock *fakeclock.Clock, get func() *tok) {
	clock = fakeclock.New(t0)
	e = newEndpoint(t, issue())
	s, _ = newSource(t, e, clock)
	return s, e, clock, func() *tok {
		v, err := s.Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestRefusedFreshTokenBoundsDropsByTheInterval(t *testing.T) {
	s, e, clock, get := issuingSource(t)
	// An accepted token refused: revoked, dropped at once.
	t1 := get()
	accept(s)
	s.InvalidateToken(t1)
	t2 := get()
	if t2 == t1 {
		t.Fatal("an accepted token refused was not dropped")
	}
	// Its replacement refused before any success: 401s are not about the
	// token. Accepted later and refused again within the interval, it stays.
	s.InvalidateToken(t2)
	for range 10 {
		accept(s)
		s.InvalidateToken(get())
		clock.Advance(5 * time.Second)
	}
	e.wantExchanges(t, 2, "for a mix of allowed and refused requests within a minute")
	// Once the interval has passed, a refusal drops the token again.
	clock.Advance(10 * time.Second)
	accept(s)
	s.InvalidateToken(get())
	get()
	e.wantExchanges(t, 3, "after the interval")
}

func TestAcceptedTokenRefusedLaterIsDroppedAtOnce(t *testing.T) {
	s, e, clock, get := issuingSource(t)
	v := get()
	accept(s)
	s.InvalidateToken(v)
	v = get()
	accept(s) // the retry with the new token succeeded
	clock.Advance(30 * time.Second)
	s.InvalidateToken(v) // revoked again
	get()
	e.wantExchanges(t, 3, "in all: a token accepted after a drop and then refused is dropped at once")
}

func TestUnacceptedTokenIsDroppedOnceAnInterval(t *testing.T) {
	s, e, clock, get := issuingSource(t)
	for range 5 {
		s.InvalidateToken(get())
		clock.Advance(10 * time.Second)
	}
	e.wantExchanges(t, 2, "for 5 refusals of tokens never accepted within a minute")
}

func TestCallerComingJustAfterTheLastGaveUpJoinsTheExchange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		e := newEndpointInBubble(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			select {
			case <-release:
				fmt.Fprint(w, `{"access_token":"the-token","expires_in":3600}`)
			case <-r.Context().Done():
			}
		})
		s, _ := newSource(t, e, fakeclock.New(t0))
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { _, err := s.Token(ctx); errc <- err }()
		within(t, e.arrived, "the exchange's request")
		cancel()
		within(t, errc, "the impatient caller's return")
		got := make(chan *tok, 1)
		go func() { v, _ := s.Token(context.Background()); got <- v }()
		synctest.Wait() // the next caller is inside Token, waiting
		close(release)
		if v := within(t, got, "the next caller's token"); v == nil || v.value != "the-token" {
			t.Fatalf("the next caller got %v, want the token of the exchange it joined", v)
		}
		if n := e.requests.Load(); n != 1 {
			t.Errorf("%d exchanges, want 1", n)
		}
	})
}
