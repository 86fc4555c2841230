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

// A HostScoped is a [TokenSource] whose tokens are for some hosts only: the
// APNs source's are for APNs hosts, the App Store Connect source's for
// Apple's App Store APIs. With a nil [Transport].Hosts, the Transport sends
// its tokens to TokenHosts and loopback, and to no other host. A source
// that is not HostScoped gets the hosts of [AppStoreConnectURL],
// [AppStoreServerURL] and [AppStoreServerSandboxURL]. The Transport finds
// it through wrappers that implement Unwrap (see [TokenSource]).
type HostScoped interface {
	TokenSource
	// TokenHosts lists the hosts, each "host" (any port) or "host:port".
	TokenHosts() []string
}

// TokenHosts implements [HostScoped].
func (s *source) TokenHosts() []string { return appleHosts }

// getsToken reports whether a request to u may carry the token: its host is
// in t.Hosts, or, when Hosts is nil, one of the source's hosts or loopback.
// It is on every request's path: it allocates only when the allowed host
// changes, and it compares lengths before it folds case.
func (t *Transport) getsToken(u *url.URL) bool {
	// Most requests go to the host the last one went to: one comparison of
	// strings instead of a walk through the hosts.
	if last := t.lastHost.Load(); last != nil && last.host == u.Host && last.scheme == u.Scheme {
		return true
	}
	if !t.hostAllowed(u) {
		return false
	}
	t.lastHost.Store(&hostKey{host: u.Host, scheme: u.Scheme})
	return true
}

// hostKey is a host that was allowed the token, and the scheme that decided
// its port.
type hostKey struct{ host, scheme string }

func (t *Transport) hostAllowed(u *url.URL) bool {
	host := u.Host
	if strings.IndexByte(host, ':') >= 0 {
		host = u.Hostname() // a port or an IPv6 address; costlier to split, and rarer
	}
	if t.Hosts != nil {
		return anyHostMatches(t.Hosts, host, u)
	}
	hosts := appleHosts
	if hs, ok := find[HostScoped](t.Source); ok {
		hosts = hs.TokenHosts()
	}
	return anyHostMatches(hosts, host, u) || isLoopback(host)
}

func anyHostMatches(hosts []string, host string, u *url.URL) bool {
	for _, h := range hosts {
		if hostMatches(h, host, u) {
			return true
		}
	}
	return false
}

// hostMatches reports whether u, whose host name is host, is on host entry
// h: "host" matches that host on any port, "host:port" (or "[v6]:port")
// that host on that port, where a URL without a port is on its scheme's
// default port.
func hostMatches(h, host string, u *url.URL) bool {
	name, port := splitEntry(h)
	if len(name) != len(host) || name != host && !strings.EqualFold(name, host) {
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
	i := strings.IndexByte(h, ':')
	if i < 0 || strings.IndexByte(h[i+1:], ':') >= 0 {
		return h, "" // no port, or a bare IPv6 address
	}
	return h[:i], h[i+1:]
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
