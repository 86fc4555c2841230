package apitest

import (
	"net/http"
	"testing"
)

// ForbiddenPath is the path [Refusing] answers with a 401 itself.
const ForbiddenPath = "/v1/forbidden"

// Refusing returns a transport that answers requests to [ForbiddenPath]
// with a bare 401 itself, as an API that does not allow the account that
// call, and sends the rest on to base: the refusal a fresh token does not
// cure, for tests that count how many new tokens such refusals cost.
func Refusing(base http.RoundTripper) http.RoundTripper { return refusing{base} }

type refusing struct{ base http.RoundTripper }

func (r refusing) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path == ForbiddenPath {
		return &http.Response{StatusCode: http.StatusUnauthorized, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	}
	return r.base.RoundTrip(req)
}

// StatusOf sends a GET to url through client and returns the response's
// status code, having closed its body; an error from client fails t.
func StatusOf(t testing.TB, client *http.Client, url string) int {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
