package asctest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// newServer starts a server for t, closed when t ends.
func newServer(t testing.TB) *Server {
	srv := NewServer()
	t.Cleanup(srv.Close)
	return srv
}

// frozen sets the server's clock to a fixed moment, which Advance then
// moves: no test here waits on the real clock.
func frozen(srv *Server) time.Time {
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return t0 })
	return t0
}

// source returns a token source for the server's first key, its Config
// changed by mutate.
func source(t testing.TB, srv *Server, mutate ...func(*ascjwt.Config)) ascjwt.TokenSource {
	t.Helper()
	cfg := srv.Config()
	for _, m := range mutate {
		m(&cfg)
	}
	return apitest.Must(t, ascjwt.NewTokenSource, cfg)
}

// withBundleID gives a Config the bundle ID id, for tokens of the App Store
// Server API.
func withBundleID(id string) func(*ascjwt.Config) {
	return func(c *ascjwt.Config) { c.BundleID = id }
}

// newClient returns a client of the server whose requests carry tokens for
// its first key, as code under test builds one.
func newClient(t testing.TB, srv *Server) *http.Client {
	t.Helper()
	return ascjwt.NewClient(srv.Client(), source(t, srv))
}

// bearer returns an Authorization value with a token for the server's key.
func bearer(t testing.TB, srv *Server, mutate ...func(*ascjwt.Config)) string {
	t.Helper()
	return bearerOf(t, source(t, srv, mutate...))
}

// bearerOf returns an Authorization value with src's token.
func bearerOf(t testing.TB, src ascjwt.TokenSource) string {
	t.Helper()
	return "Bearer " + apitest.MustToken(t, src.Token).Value
}

// send sends one request through srv.Client(), with auth as its
// Authorization header unless empty, and returns the response with its body
// read and closed.
func send(t testing.TB, srv *Server, method, rawURL, auth string, header http.Header, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// do is send returning the status, the headers and the body.
func do(t testing.TB, srv *Server, method, rawURL, auth string, header http.Header, body []byte) (int, http.Header, []byte) {
	t.Helper()
	resp, b := send(t, srv, method, rawURL, auth, header, body)
	return resp.StatusCode, resp.Header, b
}

// get sends a GET with the given Authorization header (none if empty) and
// returns the status, the decoded error list and the X-Rate-Limit header.
func get(t testing.TB, srv *Server, path, auth string) (int, []Error, string) {
	t.Helper()
	resp, raw := send(t, srv, "GET", srv.URL+path, auth, nil, nil)
	var body ErrorResponse
	if resp.StatusCode >= 400 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("error Content-Type = %q, want application/json", ct)
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatalf("error body is not Apple's JSON: %v", err)
		}
	}
	return resp.StatusCode, body.Errors, resp.Header.Get("X-Rate-Limit")
}
