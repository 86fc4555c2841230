package origin

import (
	"net/netip"
	"strings"
)

// IsLoopback reports whether host (a URL's Hostname, without brackets or
// port) is localhost or a loopback address (127.0.0.0/8, ::1, or an IPv4
// loopback written as IPv6): where httptest servers and the fakes listen,
// the one place a credential may go over plain http.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Unmap().IsLoopback()
}
