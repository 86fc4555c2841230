package apitest

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// CheckBearerOnlyTo sends a GET to each of urls through the transport that
// wrap makes around a base transport that responds 200 to every request
// itself, and fails t unless exactly the requests to the URLs marked true
// carried a bearer token.
func CheckBearerOnlyTo(t *testing.T, wrap func(base http.RoundTripper) http.RoundTripper, urls map[string]bool) {
	t.Helper()
	rec := &recorder{auth: map[string]string{}}
	client := &http.Client{Transport: wrap(rec)}
	for u := range urls {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for u, want := range urls {
		if got := strings.HasPrefix(rec.authFor(t, u), "Bearer "); got != want {
			t.Errorf("request to %s carried a token: %v, want %v", u, got, want)
		}
	}
}

// recorder is a base transport that responds to every request itself and
// remembers the Authorization header each carried.
type recorder struct {
	mu   sync.Mutex
	auth map[string]string // by URL
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.auth[req.URL.String()] = req.Header.Get("Authorization")
	r.mu.Unlock()
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
}

func (r *recorder) authFor(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	auth, ok := r.auth[u.String()]
	if !ok {
		t.Errorf("no request to %s reached the base transport", rawURL)
	}
	return auth
}
