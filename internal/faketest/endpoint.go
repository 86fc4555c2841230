package faketest

import (
	"net/http"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeserver"
	"github.com/ascjwt/ascjwt/internal/token"
)

// Status sends a GET for url with header through client and returns the
// response's status code, its body closed.
func Status(t testing.TB, client *http.Client, url string, header http.Header) int {
	t.Helper()
	resp := Get(t, client, url, header)
	resp.Body.Close()
	return resp.StatusCode
}

// TokenOfLifetime sets the access tokens of e, a token endpoint fake's, to
// live d, gets a token from src, a token source of that fake, and checks
// that the token lives d: the lifetime the endpoint gave, not one the
// source assumed.
func TokenOfLifetime(t testing.TB, e *fakeserver.Endpoint, src token.Source, d time.Duration) *token.Token {
	t.Helper()
	e.SetTokenLifetime(d)
	tok, err := src.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Expiry.Sub(tok.IssuedAt); got != d {
		t.Fatalf("access token lives %s, want the %s the server gave", got, d)
	}
	return tok
}

// ExpectHeldUntilRelease makes e, a token endpoint fake's, hang, has src
// ask for a token meanwhile, and checks that the exchange waits, counted by
// held, until Release, and then succeeds.
func ExpectHeldUntilRelease(t testing.TB, e *fakeserver.Endpoint, src token.Source, held func() int) {
	t.Helper()
	e.Hang()
	done := make(chan error, 1)
	go func() {
		_, err := src.Token(t.Context())
		done <- err
	}()
	WaitHeld(t, held, 1)
	select {
	case err := <-done:
		t.Fatalf("exchange returned (%v) while held", err)
	default:
	}
	e.Release()
	if err := <-done; err != nil {
		t.Fatalf("after Release: %v", err)
	}
}
