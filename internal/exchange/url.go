package exchange

import (
	"errors"
	"net/url"
	"strings"

	"github.com/ascjwt/ascjwt/internal/origin"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// MaxURLLen bounds a token endpoint's URL: a URL this long is something
// else in the wrong place, often a private key in a swapped CI secret.
const MaxURLLen = 2048

// CheckTokenURL reports why s cannot be the URL of a token endpoint, or nil
// if it can. What is sent there (a JWT bearer, a client assertion) is a
// credential for its whole life, so the URL is absolute https, or plain
// http to loopback only (where a fake listens without TLS); it carries no
// user name or password (the signed credential is the only one) and no
// fragment (never sent, so a sign of a mistake). maps and axm check their
// Config.TokenURL here, so that the two refuse the same URLs.
//
// The error is a phrase to follow the field's name ("has no host, ..."),
// so that each package words its own sentence around it; it describes s and
// never quotes it, since a value in the wrong place may be a secret.
func CheckTokenURL(s string) error {
	if len(s) > MaxURLLen {
		return errors.New("is " + redact.Bytes(len(s)) + ", longer than a URL should be")
	}
	if redact.LooksLikeKey(s) {
		return errors.New("holds " + redact.Describe(s) + ", not a URL")
	}
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("(" + redact.Describe(s) + ") is not a URL")
	}
	switch {
	case u.Host == "" || u.Opaque != "":
		return errors.New("has no host: it is not an absolute http or https URL")
	case u.User != nil:
		return errors.New("holds a user name or password; remove them: the signed credential is the only one a token request carries")
	case u.Fragment != "" || strings.Contains(s, "#"):
		return errors.New("has a fragment (#...), which is never sent; remove it")
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && origin.IsLoopback(u.Hostname()):
		return nil // a fake on loopback, without TLS
	case u.Scheme == "http":
		return errors.New("is plain http to a host that is not loopback; use https, so that the credential it carries does not cross the network in clear")
	}
	return errors.New("is not an absolute http or https URL; use https")
}
