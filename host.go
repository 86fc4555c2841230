package ascjwt

import (
	"net/netip"
	"net/url"
	"strings"
)

// appleHosts are the hosts of the APIs whose tokens [NewTokenSource] makes:
// the hosts of [AppStoreConnectURL], [AppStoreServerURL] and
// [AppStoreServerSandboxURL]. A nil [Transport].Hosts means these and
// loopback.
var appleHosts = []string{"api.appstoreconnect.apple.com", "api.storekit.apple.com", "api.storekit-sandbox.apple.com"}

// getsToken reports whether a request to u may carry the token: its host is
// in t.Hosts, or, when Hosts is nil, one of Apple's or loopback. It does not
// allocate.
func (t *Transport) getsToken(u *url.URL) bool {
	if t.Hosts != nil {
		for _, h := range t.Hosts {
			if hostMatches(h, u) {
				return true
			}
		}
		return false
	}
	host := u.Hostname()
	for _, h := range appleHosts {
		if strings.EqualFold(host, h) {
			return true
		}
	}
	return isLoopback(host)
}

// hostMatches reports whether u is on host entry h: "host" matches that host
// on any port, "host:port" (or "[v6]:port") that host on that port, where a
// URL without a port is on its scheme's default port.
func hostMatches(h string, u *url.URL) bool {
	host, port := splitEntry(h)
	if !strings.EqualFold(host, u.Hostname()) {
		return false
	}
	if port == "" {
		return true
	}
	p := u.Port()
	if p == "" {
		switch strings.ToLower(u.Scheme) {
		case "https":
			p = "443"
		case "http":
			p = "80"
		}
	}
	return p == port
}

// splitEntry splits a Hosts entry into host and port without allocating:
// "h", "h:443", "[::1]:8443", and a bare IPv6 address "::1".
func splitEntry(h string) (host, port string) {
	if rest, ok := strings.CutPrefix(h, "["); ok {
		host, rest, _ = strings.Cut(rest, "]")
		port, _ = strings.CutPrefix(rest, ":")
		return host, port
	}
	if strings.Count(h, ":") == 1 {
		host, port, _ = strings.Cut(h, ":")
		return host, port
	}
	return h, ""
}

// isLoopback reports whether host is localhost, 127.0.0.0/8 or ::1: where
// httptest and asctest servers listen, so that tests keep their tokens.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if host == "" || (host[0] < '0' || host[0] > '9') && !strings.Contains(host, ":") {
		return false // a name, not an address: no parse
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Unmap().IsLoopback()
}
