package apitest

import (
	"io"
	"net/http"
	"testing"
)

// StatusOfConcurrent is [StatusOf] for requests a test sends from
// goroutines it starts: it reads the body to its end (so that the
// connection is reused) and closes it, and an error from client is reported
// with t.Error, not t.Fatal, and gives 0.
func StatusOfConcurrent(t testing.TB, client *http.Client, url string) int {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Error(err)
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
