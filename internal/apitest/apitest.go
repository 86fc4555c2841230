// Package apitest holds what the tests of the root and the API packages
// (musickit, weatherkit, and any other whose tests would copy them) share:
// keys made in the test and a signer that counts its signatures, a token
// that must be had ([MustToken]) and a GET whose status is all that matters
// ([StatusOf], [StatusOfConcurrent]), an independent verification of a
// token with golang-jwt, a driver for tables of Configs a constructor must
// refuse, a check that a Config prints no key material, a base transport
// that records where tokens went, a second origin that records the headers
// it saw ([HeaderLog]), and the behaviour every developer-token source
// shares (one signature for concurrent first calls, the refresh schedule,
// the hooks).
//
// Only _test.go files import it. Like all of internal/, it does not import
// the root package: a root type (*ascjwt.Token, ascjwt.Hooks) comes in as a
// type parameter or through a function the test writes.
package apitest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"
)

// The IDs and the moment the API packages' test Configs and clocks use, in
// the shapes Apple gives them: 10 upper-case letters and digits.
const (
	KeyID  = "ABC123DEFG"
	TeamID = "DEF123GHIJ"
)

// Start is where the tests' fake clocks start: a fixed, recent moment.
var Start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// NewKey returns a new P-256 key, the kind Apple's .p8 files hold.
func NewKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// PEM returns k as a .p8 file holds it: PKCS #8 in a "PRIVATE KEY" block,
// for tests that paste a key where an ID belongs.
func PEM(t testing.TB, k *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// Must returns newSource(cfg), failing t on an error: a package's
// NewTokenSource given a Config it must accept.
func Must[C, S any](t testing.TB, newSource func(C) (S, error), cfg C) S {
	t.Helper()
	src, err := newSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// MustToken returns the token that token (a source's Token method) gives
// for a background context, failing t on an error.
func MustToken[T any](t testing.TB, token func(context.Context) (T, error)) T {
	t.Helper()
	tok, err := token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
