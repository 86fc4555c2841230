package faketest

import (
	"net/http"
	"testing"
)

// configured is a developer-token fake as [Serve] uses it: an
// httptest.Server's Client and Close, and the Config of a token source
// for the fake's first key.
type configured[C any] interface {
	Client() *http.Client
	Close()
	Config() C
}

// Serve starts the fake that newServer returns, closed when t ends, and
// returns it with the client that newClient makes over the fake's Client
// for the token source that newSource makes of the fake's Config: the
// opening of each developer-token fake's tests. Callers pass the API
// package's NewTokenSource and ascjwt.NewClient, which this package does
// not import.
func Serve[F configured[C], C, S any](t testing.TB, newServer func() F, newSource func(C) (S, error), newClient func(*http.Client, S) *http.Client) (F, *http.Client) {
	t.Helper()
	srv := newServer()
	t.Cleanup(srv.Close)
	src, err := newSource(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	return srv, newClient(srv.Client(), src)
}
