package ascjwt_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// staticSource always returns one token.
type staticSource string

func (s staticSource) Token(context.Context) (*ascjwt.Token, error) {
	return &ascjwt.Token{Value: string(s), Expiry: time.Now().Add(time.Hour)}, nil
}

// roundTripFunc is a RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// newFake starts asctest's fake API for the test and closes it when the test
// and its subtests have ended.
func newFake(t *testing.T) *asctest.Server {
	t.Helper()
	srv := asctest.NewServer()
	t.Cleanup(srv.Close)
	return srv
}

// newCountingClient returns a client for srv whose signatures are counted,
// with the source's Config changed by mutate.
func newCountingClient(t *testing.T, srv *asctest.Server, mutate ...func(*ascjwt.Config)) (*http.Client, *apitest.CountingSigner, ascjwt.TokenSource) {
	t.Helper()
	src, signer := newCountingSource(t, srv, mutate...)
	return ascjwt.NewClient(srv.Client(), src), signer, src
}

// newCountingSource returns a source for srv whose signatures are counted,
// with its Config changed by mutate.
func newCountingSource(t *testing.T, srv *asctest.Server, mutate ...func(*ascjwt.Config)) (ascjwt.TokenSource, *apitest.CountingSigner) {
	t.Helper()
	cfg := srv.Config()
	signer := &apitest.CountingSigner{Key: cfg.PrivateKey}
	cfg.PrivateKey = signer
	for _, m := range mutate {
		m(&cfg)
	}
	return apitest.Must(t, ascjwt.NewTokenSource, cfg), signer
}

// statusWith sends a GET to srv.URL+path through a client for srv whose
// tokens come from a source made of cfg, and returns the status code.
func statusWith(t *testing.T, srv *asctest.Server, cfg ascjwt.Config, path string) int {
	t.Helper()
	return apitest.StatusOfConcurrent(t, ascjwt.NewClient(srv.Client(), apitest.Must(t, ascjwt.NewTokenSource, cfg)), srv.URL+path)
}

// requireStatus sends a GET for url through client and stops the test
// unless the response has status want; what says which request it was.
func requireStatus(t *testing.T, client *http.Client, url string, want int, what string) {
	t.Helper()
	if code := apitest.StatusOfConcurrent(t, client, url); code != want {
		t.Fatalf("%s: %d, want %d", what, code, want)
	}
}
