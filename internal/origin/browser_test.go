package origin

import (
	"net/url"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

func TestCheckBrowserTakesWhatBrowsersSendOnly(t *testing.T) {
	ok, bad := apitest.BrowserOrigins()
	apitest.CheckText(t, CheckBrowser, ok, bad)
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
