package ascjwt_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
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

// counting wraps a key as a plain crypto.Signer and counts signatures.
type counting struct {
	crypto.Signer
	n atomic.Int64
}

func (c *counting) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	c.n.Add(1)
	return c.Signer.Sign(r, digest, opts)
}

// newP256 makes a key for a test.
func newP256(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}
