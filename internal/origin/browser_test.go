package origin

import (
	"net/url"
	"strings"
	"testing"
)

func TestCheckBrowserTakesWhatBrowsersSendOnly(t *testing.T) {
	for _, o := range []string{
		"https://www.example.com", "http://localhost:8080", "https://example.com:8443", "http://127.0.0.1:3000",
		"https://[::1]:8443", "https://xn--bcher-kva.example", "safari-web-extension://1e70cb50-300c-47b7-898c-5c082f836d7d",
		"chrome-extension://abcdefghijklmnopabcdefghijklmnop", "moz-extension://1e70cb50-300c-47b7-898c-5c082f836d7d",
	} {
		if err := CheckBrowser(o); err != nil {
			t.Errorf("%q refused: %v", o, err)
		}
	}
	for _, tc := range []struct{ origin, want string }{
		{"", "empty"},
		{"www.example.com", "no scheme"},
		{"null", "no scheme"},
		{"https://www.example.com/", "ends in a slash"},
		{"https://www.example.com/maps", "path"},
		{"https://www.example.com?x=1", "query"},
		{"https://www.example.com#top", "fragment"},
		{"https://www.example.com?", "query"},
		{"https://*.example.com", "wildcard"},
		{"*", "wildcard"},
		{"https://WWW.example.com", "upper-case"},
		{"HTTPS://www.example.com", "upper-case"},
		{"ftp://www.example.com", "scheme other than"},
		{"https://www.example.com:443", "default port"},
		{"http://www.example.com:80", "default port"},
		{"https://www.example.com:0", "port"},
		{"https://www.example.com:0443", "port"},
		{"https://www.example.com:99999", "port"},
		{"https://www.example.com:", "port"},
		{"https://user@www.example.com", "user"},
		{"https://user:pw@www.example.com", "user"},
		{"https://www.exam ple.com", "white space"},
		{"https://bücher.example", "non-ASCII"},
		{"https://", "no host"},
		{"https://%61.example", "host"},
		{"http://[fe80::1%25en0]:8080", "neither a DNS name nor an IP address"},
		{"https://a_b.example", "neither a DNS name nor an IP address"},
		{"https://" + strings.Repeat("a", 400) + ".com", "longer"},
	} {
		err := CheckBrowser(tc.origin)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error about %q", tc.origin, err, tc.want)
			continue
		}
		if len(tc.origin) > 8 && strings.Contains(err.Error(), tc.origin) {
			t.Errorf("%q: the error quotes the origin", tc.origin)
		}
	}
}

// FuzzCheckBrowserAcceptsOnlyWhatBrowsersSend: the check never panics, and
// an origin it accepts is exactly scheme://host[:port], its own
// serialization, so that it can equal a browser's Origin header.
func FuzzCheckBrowserAcceptsOnlyWhatBrowsersSend(f *testing.F) {
	for _, s := range []string{"https://music.example.com", "http://localhost:8080", "https://[::1]:8443", "https://a.example/", "HTTPS://A.example", "https://a.example:443", "safari-web-extension://id"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, o string) {
		if CheckBrowser(o) != nil {
			return
		}
		u, err := url.Parse(o)
		if err != nil || u.Scheme+"://"+u.Host != o || u.Path != "" || u.User != nil {
			t.Fatalf("accepted %q, which is not its own serialization", o)
		}
	})
}
