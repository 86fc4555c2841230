package apitest

import (
	"net/http"
	"sync"
	"testing"
)

// GetConcurrently sends n GETs to url through client at once, each from a
// goroutine of its own ([StatusOfConcurrent]), and waits for them: the
// burst of first requests that must share one token. Each request that
// fails or gets anything but 200 fails t.
func GetConcurrently(t testing.TB, client *http.Client, url string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if code := StatusOfConcurrent(t, client, url); code != 0 && code != http.StatusOK {
				t.Errorf("GET %s: %d, want 200", url, code)
			}
		})
	}
	wg.Wait()
}
