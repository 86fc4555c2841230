package apitest

import (
	"context"
	"sync"
	"testing"
)

// TokensAtOnce calls token from n goroutines released together, as a
// server's first requests after start do, and returns what each got; an
// error fails t (with t.Error, from its goroutine) and leaves its token the
// zero value.
func TokensAtOnce[T any](t *testing.T, n int, token func(context.Context) (T, error)) []T {
	t.Helper()
	toks := make([]T, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			tok, err := token(context.Background())
			if err != nil {
				t.Errorf("caller %d: %v", i, err)
			}
			toks[i] = tok
		})
	}
	close(start)
	wg.Wait()
	return toks
}
