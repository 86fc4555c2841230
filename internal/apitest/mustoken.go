package apitest

import (
	"context"
	"testing"
)

// MustToken returns src's token, failing t on an error: a source the test
// expects to work.
func MustToken[T comparable](t testing.TB, src Source[T]) T {
	t.Helper()
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
