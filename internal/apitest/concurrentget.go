package apitest

import (
	"io"
	"net/http"
	"sync"
	"testing"
)

// GetConcurrently sends n GETs to url through client at once, each from a
// goroutine of its own, and waits for them: the burst of first requests
// that must share one token. Each request that fails or gets anything but
// 200 fails t (with t.Error, which goroutines may call); every body is
// read to its end, so that connections are reused.
func GetConcurrently(t testing.TB, client *http.Client, url string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, err := client.Get(url)
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			switch {
			case err != nil:
				t.Error(err)
			case resp.StatusCode != http.StatusOK:
				t.Errorf("GET %s: %s, want 200", url, resp.Status)
			}
		})
	}
	wg.Wait()
}
