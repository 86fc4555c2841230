// Package origin holds the module's rules about origins: comparing URLs by
// origin (the scheme, host and port that decide where a token may be sent),
// checking an origin a token is restricted to as a browser's Origin header
// would carry it ([CheckBrowser], for MusicKit and MapKit JS), and reading
// the origin claim of a Maps token ([CheckMapKit], [MatchMapKit]), so that
// the token sources and the fakes that check their tokens apply one rule.
package origin

import (
	"net/url"
	"strings"
)

// Origin is a URL's scheme, host and port, in lower case, with the scheme's
// default port made explicit so that https://h and https://h:443 are one
// origin.
type Origin struct{ Scheme, Host, Port string }

// Of returns u's origin.
func Of(u *url.URL) Origin {
	o := Origin{Scheme: strings.ToLower(u.Scheme), Host: strings.ToLower(u.Hostname()), Port: u.Port()}
	if o.Port == "" {
		switch o.Scheme {
		case "https":
			o.Port = "443"
		case "http":
			o.Port = "80"
		}
	}
	return o
}

// Same reports whether a and b have the same origin.
func Same(a, b *url.URL) bool { return Of(a) == Of(b) }
