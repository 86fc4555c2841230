package apitest

import (
	"net/http"
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
