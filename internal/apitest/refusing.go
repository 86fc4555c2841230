package apitest

import (
	"net/http"
	"testing"
	"time"
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

// AllowedAndForbidden sends ten pairs of GETs through client, which must
// have been made over [Refusing]: one to baseURL+allowedPath, which must get
// 200, then one to baseURL+[ForbiddenPath], which must get 401; between
// pairs, advance moves the fake's clock 5 seconds. Ten refusals within a
// minute are what a source must not answer with ten new tokens.
func AllowedAndForbidden(t testing.TB, client *http.Client, baseURL, allowedPath string, advance func(time.Duration)) {
	t.Helper()
	for range 10 {
		if code := StatusOf(t, client, baseURL+allowedPath); code != http.StatusOK {
			t.Fatalf("allowed request: %d", code)
		}
		if code := StatusOf(t, client, baseURL+ForbiddenPath); code != http.StatusUnauthorized {
			t.Fatalf("forbidden request: %d", code)
		}
		advance(5 * time.Second)
	}
}
