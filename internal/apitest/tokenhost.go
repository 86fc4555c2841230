package apitest

import (
	"net/http"
	"net/url"
	"testing"
)

// CheckTokensGoToHostAndLoopbackOnly is [Sources.CheckTokenHostsOnly] for
// a developer-token package whose tokens are for host alone, sent through
// the client that newClient (ascjwt.NewClient, which internal/ cannot
// name) makes of one of p's sources: the request to apiURL, on host, and
// one for the same path on a loopback address carry a token; those to the
// URLs of elsewhere (other Apple APIs, a look-alike host) carry none.
func CheckTokensGoToHostAndLoopbackOnly[T comparable, S any](t *testing.T, p Sources[T], newClient func(*http.Client, S) *http.Client, host, apiURL string, elsewhere ...string) {
	t.Helper()
	u, err := url.Parse(apiURL)
	if err != nil {
		t.Fatal(err)
	}
	urls := map[string]bool{apiURL: true, "https://127.0.0.1:8443" + u.RequestURI(): true}
	for _, e := range elsewhere {
		urls[e] = false
	}
	transport := func(src Source[T], base http.RoundTripper) http.RoundTripper {
		s, ok := src.(S)
		if !ok {
			t.Fatalf("a %s source (%T) is not what newClient takes", p.Package, src)
		}
		return newClient(&http.Client{Transport: base}, s).Transport
	}
	p.CheckTokenHostsOnly(t, []string{host}, transport, urls)
}
