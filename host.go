package ascjwt

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// The hosts of the APIs whose tokens [NewTokenSource] makes. appStoreHosts
// are those of [AppStoreConnectURL], [AppStoreServerURL] and
// [AppStoreServerSandboxURL], and the App Store Server API's
// itunes.apple.com names: Apple named api.storekit.apple.com and its
// sandbox in May 2026 and documented the itunes.apple.com names before;
// most clients still call those, and both families are Apple's, so both get
// the token. enterpriseHosts are [EnterpriseURL]'s.
var (
	appStoreHosts = []string{
		"api.appstoreconnect.apple.com",
		"api.storekit.apple.com", "api.storekit-sandbox.apple.com",
		"api.storekit.itunes.apple.com", "api.storekit-sandbox.itunes.apple.com",
	}
	enterpriseHosts = []string{"api.enterprise.developer.apple.com"}
	// appleHosts are the hosts of a source that does not say
	// ([HostScoped]): every API that takes App Store Connect keys.
	appleHosts = append(append([]string(nil), appStoreHosts...), enterpriseHosts...)
)

// A HostScoped is a [TokenSource] whose tokens are for some hosts only: the
// APNs source's are for APNs hosts, the App Store Connect source's for
// Apple's App Store APIs. With a nil [Transport].Hosts, the Transport sends
// its tokens to TokenHosts and loopback, and to no other host. A source
// that is not HostScoped gets the hosts of [AppStoreConnectURL],
// [AppStoreServerURL], [AppStoreServerSandboxURL] and [EnterpriseURL]. The
// Transport finds it through wrappers that implement Unwrap (see
// [TokenSource]).
type HostScoped interface {
	TokenSource
	// TokenHosts lists the hosts, in the forms [Transport].Hosts takes:
	// "host" (https, any port), "host:port", or "http://host:port" for a
	// host that is to get the token over plain http too.
	TokenHosts() []string
}

// tokenHosts are the hosts of [NewTokenSource]'s tokens of audience: an
// Enterprise Program API source's go to [EnterpriseURL]'s host, any other's
// to the hosts of the App Store Connect API and the App Store Server API.
func tokenHosts(audience string) []string {
	if audience == AudienceEnterprise {
		return enterpriseHosts
	}
	return appStoreHosts
}

// hostForms says what a host entry may be, for the errors that refuse one.
const hostForms = `write "host" (https on any port), "host:port" (https on that port), or "http://host:port" to send the token over plain http too`

// hostRule is which requests get the token: Transport.Hosts (or, when it
// is nil, the source's hosts and loopback) and Transport.ExtraHosts, read
// once, at the first request.
type hostRule struct {
	entries  []hostEntry
	loopback bool  // any loopback host, on any port, over http or https
	err      error // a malformed entry: every request fails with it
}

// hostEntry is one host that gets the token.
type hostEntry struct {
	name string // lower case; an IPv6 address without brackets
	port string // empty for any port
	http bool   // plain http too, not only https
}

// rule returns the Transport's host rule, made at the first request.
func (t *Transport) rule() *hostRule {
	t.ruleOnce.Do(func() { t.hosts = newHostRule(t.Source, t.Hosts, t.ExtraHosts) })
	return t.hosts
}

func newHostRule(src TokenSource, hosts, extra []string) *hostRule {
	r := new(hostRule)
	add := func(list []string, field string) {
		for i, h := range list {
			e, err := parseHostEntry(h)
			if err != nil {
				if r.err == nil {
					r.err = fmt.Errorf("ascjwt: %s[%d] %w; %s", field, i, err, hostForms)
				}
				continue
			}
			r.entries = append(r.entries, e)
		}
	}
	if hosts != nil {
		add(hosts, "Transport.Hosts")
	} else {
		own := appleHosts
		if hs, ok := find[HostScoped](src); ok {
			own = hs.TokenHosts()
		}
		add(own, "the source's TokenHosts()")
		r.loopback = true
	}
	add(extra, "Transport.ExtraHosts")
	return r
}

// parseHostEntry reads one entry of a host list. Its errors describe what
// is wrong and show at most the host name it found: an entry may be a URL
// with a password in it.
func parseHostEntry(h string) (hostEntry, error) {
	if h == "" {
		return hostEntry{}, fmt.Errorf("is empty")
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; c <= ' ' || c >= 0x7f {
			return hostEntry{}, fmt.Errorf("holds white space, a control character or non-ASCII (write an internationalised name in its xn-- form)")
		}
	}
	var e hostEntry
	if scheme, rest, ok := strings.Cut(h, "://"); ok {
		return parseOrigin(scheme, rest)
	}
	if i := strings.IndexAny(h, "/?#@"); i >= 0 {
		return hostEntry{}, fmt.Errorf("holds %q, which no host has", h[i:i+1])
	}
	e.name, e.port = splitEntry(h)
	if err := checkHostPort(e.name, e.port); err != nil {
		return hostEntry{}, err
	}
	e.name = strings.ToLower(e.name)
	return e, nil
}

// parseOrigin reads an entry written as a URL's scheme and host,
// "http://host:port" or "https://host": the origin that gets the token, on
// the scheme's default port when it names none.
func parseOrigin(scheme, rest string) (hostEntry, error) {
	u, err := url.Parse(scheme + "://" + rest)
	if err != nil || u.Host == "" {
		return hostEntry{}, fmt.Errorf("is a URL with no host that can be read")
	}
	name, port := u.Hostname(), u.Port()
	hint := strconv.Quote(u.Host)
	switch {
	case u.User != nil:
		return hostEntry{}, fmt.Errorf("is a URL with user information (user:password@), which a host entry must not hold; write its host, %s", hint)
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return hostEntry{}, fmt.Errorf("is a URL with a path or query; write its host alone, %s", hint)
	}
	e := hostEntry{name: strings.ToLower(name), port: port}
	switch strings.ToLower(scheme) {
	case "https":
		if e.port == "" {
			e.port = "443"
		}
	case "http":
		e.http = true
		if e.port == "" {
			e.port = "80"
		}
	default:
		return hostEntry{}, fmt.Errorf("has a scheme other than http:// or https://; write its host, %s", hint)
	}
	if err := checkHostPort(name, e.port); err != nil {
		return hostEntry{}, err
	}
	return e, nil
}

// checkHostPort refuses a host that is neither a DNS name nor an IP
// address, and a port that is not a number from 1 to 65535.
func checkHostPort(name, port string) error {
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port[0] == '+' {
			return fmt.Errorf("has a port that is not a number from 1 to 65535")
		}
	}
	if strings.Contains(name, ":") {
		if _, err := netip.ParseAddr(name); err != nil {
			return fmt.Errorf("is neither a host name nor an IP address")
		}
		return nil
	}
	if name == "" || len(name) > 253 {
		return fmt.Errorf("has no host name")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '*' {
			return fmt.Errorf("holds a wildcard; list each host")
		}
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return fmt.Errorf("holds a character no host name has")
		}
	}
	return nil
}

// splitEntry splits a host entry into host and port: "h", "h:443",
// "[::1]:8443", and a bare IPv6 address "::1".
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

// allows reports whether the rule sends the token to u: over https to a
// host it names, over plain http only to loopback or to a host named with
// "http://". It is on every request's path: it allocates nothing, and it
// compares lengths before it folds case.
func (r *hostRule) allows(u *url.URL) bool {
	var secure bool
	switch u.Scheme {
	case "https":
		secure = true
	case "http":
	default:
		return false
	}
	host := u.Host
	if strings.IndexByte(host, ':') >= 0 {
		host = u.Hostname() // a port or an IPv6 address; costlier to split, and rarer
	}
	if r.loopback && isLoopback(host) {
		return true
	}
	for i := range r.entries {
		e := &r.entries[i]
		if e.matches(host, u) && (secure || e.http || isLoopback(host)) {
			return true
		}
	}
	return false
}

// matches reports whether u, whose host name is host, is on the entry's
// host and port, where a URL without a port is on its scheme's default.
func (e *hostEntry) matches(host string, u *url.URL) bool {
	if len(e.name) != len(host) || e.name != host && !strings.EqualFold(e.name, host) {
		return false
	}
	if e.port == "" {
		return true
	}
	p := u.Port()
	if p == "" {
		p = "443"
		if u.Scheme == "http" {
			p = "80"
		}
	}
	return p == e.port
}

// isLoopback reports whether host is localhost, 127.0.0.0/8 or ::1: where
// httptest and asctest servers listen, so that tests keep their tokens.
// Plain http to it never leaves the machine.
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
