package apitest

import (
	"strings"
	"testing"
)

// CheckText fails t unless check accepts each of ok and refuses each key of
// bad with an error that holds the phrase bad maps it to and does not quote
// the value: a refused value may be a secret in the wrong place. Values of
// 8 bytes or fewer may be quoted, since they are words any sentence may
// hold ("null", "*").
func CheckText(t *testing.T, check func(string) error, ok []string, bad map[string]string) {
	t.Helper()
	for _, s := range ok {
		if err := check(s); err != nil {
			t.Errorf("%.60q refused: %v", s, err)
		}
	}
	for in, want := range bad {
		err := check(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.60q: %v, want an error about %q", in, err, want)
			continue
		}
		if len(in) > 8 && strings.Contains(err.Error(), in) {
			t.Errorf("%.60q: the error quotes it", in)
		}
	}
}

// CheckPairs fails t unless f(a, b) is want for each {a, b} of cases; name
// is f's name, for the messages.
func CheckPairs(t *testing.T, name string, f func(a, b string) bool, cases map[[2]string]bool) {
	t.Helper()
	for ab, want := range cases {
		if got := f(ab[0], ab[1]); got != want {
			t.Errorf("%s(%q, %q) = %v, want %v", name, ab[0], ab[1], got, want)
		}
	}
}

// BrowserOrigins are Origin headers as browsers send them (RFC 6454's
// serialization), and values no browser sends, each with the phrase a check
// of them names: what internal/origin's CheckBrowser and maps.CheckOrigin,
// which wraps it, both hold to.
func BrowserOrigins() (ok []string, bad map[string]string) {
	ok = []string{
		"https://www.example.com", "http://localhost:8080", "https://example.com:8443", "http://127.0.0.1:3000",
		"https://[::1]:8443", "https://xn--bcher-kva.example", "safari-web-extension://1e70cb50-300c-47b7-898c-5c082f836d7d",
		"chrome-extension://abcdefghijklmnopabcdefghijklmnop", "moz-extension://1e70cb50-300c-47b7-898c-5c082f836d7d",
	}
	bad = map[string]string{
		"":                                             "empty",
		"www.example.com":                              "no scheme",
		"maps.mysite.test":                             "no scheme",
		"null":                                         "no scheme",
		"https://www.example.com/":                     "ends in a slash",
		"https://www.example.com/maps":                 "path",
		"https://www.example.com?x=1":                  "query",
		"https://www.example.com#top":                  "fragment",
		"https://www.example.com?":                     "query",
		"https://*.example.com":                        "wildcard",
		"*":                                            "wildcard",
		"https://WWW.example.com":                      "upper-case",
		"HTTPS://www.example.com":                      "upper-case",
		"ftp://www.example.com":                        "scheme other than",
		"https://www.example.com:443":                  "default port",
		"http://www.example.com:80":                    "default port",
		"https://www.example.com:0":                    "port",
		"https://www.example.com:0443":                 "port",
		"https://www.example.com:99999":                "port",
		"https://www.example.com:":                     "port",
		"https://user@www.example.com":                 "user",
		"https://user:pw@www.example.com":              "user",
		"https://www.exam ple.com":                     "white space",
		"https://bücher.example":                       "non-ASCII",
		"https://":                                     "no host",
		"https://%61.example":                          "host",
		"http://[fe80::1%25en0]:8080":                  "neither a DNS name nor an IP address",
		"https://a_b.example":                          "neither a DNS name nor an IP address",
		"https://" + strings.Repeat("a", 400) + ".com": "longer",
	}
	return ok, bad
}
