// Package faketest holds what the tests of the fakes check alike, so that
// each fake's tests say what is particular to its API and share the rest:
// for the developer-token fakes (musickittest, weatherkittest, any fake
// built on fakeserver.Account), the rules every developer token follows
// and the refusal of a revoked key; for the token endpoint fakes
// (mapstest, axmtest, any fake built on fakeserver.Endpoint), the access
// tokens' lifetime and the Hang controls. It imports no API package and
// not the root: callers hand it the client their token source drives.
package faketest

import (
	"context"
	"io"
	"maps"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeserver"
)

// Get sends a GET for url with header (an Authorization, an Origin) through
// client.
func Get(t testing.TB, client *http.Client, url string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(req.Header, header)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// Bearer is the header of an Authorization: Bearer tok.
func Bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// ExpectBare401 sends a GET for url with header, and checks that the gate
// answered a bare 401, as Apple's developer-token APIs answer a refused
// token, counted as one more rejection whose reason names rule.
func ExpectBare401(t testing.TB, name string, client *http.Client, url string, header http.Header, stats func() fakeserver.Stats, rule string) {
	t.Helper()
	before := stats()
	resp := Get(t, client, url, header)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	st := stats()
	if resp.StatusCode != http.StatusUnauthorized || len(body) != 0 {
		t.Errorf("%s: %s with %d bytes, want a bare 401", name, resp.Status, len(body))
	}
	if st.Rejected != before.Rejected+1 || st.Accepted != before.Accepted || !strings.Contains(st.LastRejection, rule) {
		t.Errorf("%s: stats %+v, want one more rejection naming %q", name, st, rule)
	}
}

// ExpectOK sends a GET for url with header, and checks that the gate let
// it through to a 200, naming the rule the gate last refused if it did not.
func ExpectOK(t testing.TB, name string, client *http.Client, url string, header http.Header, stats func() fakeserver.Stats) {
	t.Helper()
	resp := Get(t, client, url, header)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("%s: %s (%s)", name, resp.Status, stats().LastRejection)
	}
}

// RevokedKeyRetriedOnceThenRefused sends three requests for url through
// client, a client of a token source for the fake's first key, revoking
// that key after the first: the first passes, the second's refusal is
// retried once with a new token, refused too, and the third is not
// retried, since a refused token is dropped at most once a minute.
func RevokedKeyRetriedOnceThenRefused(t *testing.T, client *http.Client, url string, revoke func(), stats func() fakeserver.Stats) {
	t.Helper()
	for i := range 3 {
		if i == 1 {
			revoke()
		}
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[bool]int{true: 200, false: 401}[i == 0]; resp.StatusCode != want {
			t.Fatalf("request %d: %s", i, resp.Status)
		}
	}
	if st := stats(); st.Accepted != 1 || st.Rejected != 3 || !strings.Contains(st.LastRejection, "revoked") {
		t.Fatalf("stats %+v: want 1 accepted, 3 rejected (one retry, then none within a minute)", st)
	}
}

// WaitHeld waits until held, a fake's count of requests held by Hang, is
// n: until a request sent has crossed loopback to the fake, or one given
// up has left it.
func WaitHeld(t testing.TB, held func() int, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); held() != n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests held, want %d", held(), n)
		}
		runtime.Gosched()
	}
}

// ExpectGivenUpRequestsGetNoResponse makes e, a token endpoint fake's,
// hang, sends requests of method for url through client, gives each up
// once the fake holds it (held counts the held requests), and checks that
// none gets a response: the fake must abort a held request whose client
// gave up, not respond to it, since a client cancelling at that moment can
// still read the response. It tries many times, because a fake that
// responds is caught only when its response beats the cancel.
func ExpectGivenUpRequestsGetNoResponse(t *testing.T, e *fakeserver.Endpoint, client *http.Client, method, url string, held func() int) {
	t.Helper()
	e.Hang()
	for i := range 20 {
		WaitHeld(t, held, 0)
		ctx, cancel := context.WithCancel(t.Context())
		req, err := http.NewRequestWithContext(ctx, method, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan *http.Response, 1)
		go func() {
			resp, _ := client.Do(req)
			done <- resp
		}()
		WaitHeld(t, held, 1)
		cancel()
		if resp := <-done; resp != nil {
			resp.Body.Close()
			t.Fatalf("attempt %d: a held request whose client gave up was answered %s", i+1, resp.Status)
		}
	}
}
