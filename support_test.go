package ascjwt_test

import (
	"context"
	"net/http"
	"time"

	"github.com/ascjwt/ascjwt"
)

// staticSource always returns one token.
type staticSource string

func (s staticSource) Token(context.Context) (*ascjwt.Token, error) {
	return &ascjwt.Token{Value: string(s), Expiry: time.Now().Add(time.Hour)}, nil
}

// roundTripFunc is a RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
