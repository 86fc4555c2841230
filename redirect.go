package ascjwt

import (
	"net/http"
	"net/url"
	"strings"
)

// maxHops bounds the walk back along a redirect chain; http.Client stops at
// 10 redirects, so a longer chain is not one it made.
const maxHops = 64

// leavesOrigin reports whether req is a redirect to an origin other than
// that of the request that began its chain. A chain that cannot be walked to
// its start counts as leaving: when in doubt, the token stays home.
func leavesOrigin(req *http.Request) bool {
	if req.Response == nil {
		return false // not a redirect
	}
	first := req
	for hops := 0; first.Response != nil; hops++ {
		if first.Response.Request == nil || hops == maxHops {
			return true
		}
		first = first.Response.Request
	}
	return originOf(first.URL) != originOf(req.URL)
}

type origin struct{ scheme, host, port string }

// originOf returns u's scheme, host and port, with the scheme's default port
// made explicit so that https://h and https://h:443 are one origin.
func originOf(u *url.URL) origin {
	o := origin{scheme: strings.ToLower(u.Scheme), host: strings.ToLower(u.Hostname()), port: u.Port()}
	if o.port == "" {
		switch o.scheme {
		case "https":
			o.port = "443"
		case "http":
			o.port = "80"
		}
	}
	return o
}
