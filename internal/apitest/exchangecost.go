package apitest

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

// The checks of this file count what refusals cost a source that exchanges
// a signed assertion for access tokens (axm, maps): a test hands them the
// client or token call its source drives and the fake's counter, so that
// every such package checks the same limits the same way.

// AllowedAndForbiddenCostTwoExchanges runs [AllowedAndForbidden] over
// client and fails t unless exchanges, the fake's count of access tokens
// issued, is then 2: the first refusal of an accepted token costs one
// exchange, and its replacement refused too shows that new tokens cure
// nothing here, so the other nine refusals within the minute cost none.
func AllowedAndForbiddenCostTwoExchanges(t testing.TB, client *http.Client, baseURL, allowedPath string, advance func(time.Duration), exchanges func() int) {
	t.Helper()
	AllowedAndForbidden(t, client, baseURL, allowedPath, advance)
	if n := exchanges(); n != 2 {
		t.Fatalf("%d exchanges for ten allowed and ten forbidden requests within a minute, want 2", n)
	}
}

// RefusedExchangeRetriedOnceThenWaits calls token ten times, each of which
// must return an error that permanent reports as the token endpoint's
// permanent refusal (want describes it), and fails t unless refusals, the
// fake's count of refused exchanges, is then 2: one retry at once with a
// new assertion, then a wait rather than an exchange on every call. Once
// advance has moved the fake's clock past the wait, the next call must
// cost one exchange more.
func RefusedExchangeRetriedOnceThenWaits(t testing.TB, token func() error, permanent func(error) bool, want string, refusals func() int, advance func(time.Duration)) {
	t.Helper()
	for i := range 10 {
		if err := token(); !permanent(err) {
			t.Fatalf("call %d: %v, want %s", i+1, err, want)
		}
	}
	if n := refusals(); n != 2 {
		t.Fatalf("%d exchanges for 10 calls with a refused key, want 2: one retry at once, then a wait", n)
	}
	advance(30 * time.Second)
	token()
	if n := refusals(); n != 3 {
		t.Fatalf("%d exchanges after the wait, want 3", n)
	}
}

// AcceptedGet sends a first GET for url through client, which must get 200
// (the source's first token, accepted), and returns get, which sends the
// next ones with [StatusOfConcurrent], so that it may be called from
// goroutines the test starts.
func AcceptedGet(t testing.TB, client *http.Client, url string) (get func() int) {
	t.Helper()
	get = func() int { return StatusOfConcurrent(t, client, url) }
	if code := get(); code != http.StatusOK {
		t.Fatalf("first request: %d", code)
	}
	return get
}

// ConcurrentRefusalsCostOneExchange calls refuse, after which the API
// refuses the token the source holds, then sends 50 requests at once with
// get, each of which must get 200 after its retry, and fails t unless
// exchanges, the fake's count of access tokens issued, is then want: one
// more than before, since one 401 drops the token once however many
// requests it refused.
func ConcurrentRefusalsCostOneExchange(t testing.TB, get func() int, refuse func(), exchanges func() int, want int) {
	t.Helper()
	refuse()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if code := get(); code != http.StatusOK {
				t.Errorf("request %d after the 401 retry: %d; want 200", i, code)
			}
		})
	}
	wg.Wait()
	if n := exchanges(); n != want {
		t.Fatalf("%d exchanges after 50 concurrent requests on a refused token; want %d (one more)", n, want)
	}
}
