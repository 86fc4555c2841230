package musickit

import (
	"net/url"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

// FuzzCheckOriginAcceptsOnlyWhatBrowsersSend: an origin that NewTokenSource
// accepts never panics the check and is exactly scheme://host[:port], its
// own serialization, so that it can equal a browser's Origin header.
func FuzzCheckOriginAcceptsOnlyWhatBrowsersSend(f *testing.F) {
	for _, s := range []string{"https://music.example.com", "http://localhost:8080", "https://[::1]:8443", "https://a.example/", "HTTPS://A.example", "https://a.example:443"} {
		f.Add(s)
	}
	key := apitest.NewKey(f)
	f.Fuzz(func(t *testing.T, o string) {
		if _, err := NewTokenSource(Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: key, Origins: []string{o}}); err != nil {
			return
		}
		u, err := url.Parse(o)
		if err != nil || u.Scheme+"://"+u.Host != o {
			t.Fatalf("accepted %q, which is not its own serialization", o)
		}
	})
}
