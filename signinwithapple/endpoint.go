package signinwithapple

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ascjwt/ascjwt/internal/origin"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// maxURLLen bounds a configured URL.
const maxURLLen = 2048

// endpointURL returns the endpoint a config field s names, def when s is
// empty, after refusing one that requests must not go to: one that is not
// an absolute http or https URL, one with a user name, a query or a
// fragment, and plain http to anything but loopback, where client secrets,
// codes and tokens (or, for the keys, what tokens are checked against)
// would cross the network in clear. field names the config field.
func endpointURL(field, s, def string) (string, error) {
	if s == "" {
		return def, nil
	}
	if len(s) > maxURLLen {
		return "", fmt.Errorf("signinwithapple: %s is %s, longer than a URL can be here; leave it empty for %s", field, redact.Bytes(len(s)), def)
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("signinwithapple: %s (%s) is not an absolute https URL; leave it empty for %s", field, redact.Describe(s), def)
	}
	switch {
	case u.User != nil:
		return "", fmt.Errorf("signinwithapple: %s holds a user name or password; remove them", field)
	case u.RawQuery != "" || strings.Contains(s, "?"):
		return "", fmt.Errorf("signinwithapple: %s has a query (?...); remove it", field)
	case u.Fragment != "" || strings.Contains(s, "#"):
		return "", fmt.Errorf("signinwithapple: %s has a fragment (#...); remove it", field)
	case u.Scheme == "http" && !origin.IsLoopback(u.Hostname()):
		return "", fmt.Errorf("signinwithapple: %s is plain http to a host that is not loopback; use https (plain http is for test servers on loopback only)", field)
	}
	return s, nil
}

// httpClient returns a copy of c, or a client with [defaultTimeout] for
// nil, that follows no redirect: it answers one with redirectErr, since
// neither a form with a client secret nor a request for Apple's keys may
// go wherever a response points.
func httpClient(c *http.Client, redirectErr error) *http.Client {
	if c == nil {
		c = &http.Client{Timeout: defaultTimeout}
	}
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return redirectErr }
	return &cp
}
