package axmtest

import (
	"crypto/ecdsa"
	"errors"
	"slices"
	"time"

	"github.com/ascjwt/ascjwt/axm"
	"github.com/ascjwt/ascjwt/internal/fakejwt"
)

// Rules the token endpoint holds an assertion to, from RFC 7523 section 3
// and Apple's page.
const (
	// maxAssertionLife is Apple's limit on exp - iat: 180 days.
	maxAssertionLife = 180 * 24 * time.Hour
	// leeway is how far in the future an iat may be, for clocks that
	// disagree a little.
	leeway = time.Minute
	// maxAssertion bounds what is decoded at all.
	maxAssertion = 8 << 10
)

// verify checks a client assertion at now, by RFC 7523 and Apple's rules,
// with internal/fakejwt's strict reading: a compact JWS signed with ES256
// by the account's key under its key ID (no crit, names once and in their
// case); iss and sub the client ID, aud Apple's audience (a string, or a
// list that holds it), iat not in the future, exp in the future and at
// most 180 days after iat, both whole seconds, and a jti. It returns the
// rule broken, or "" when the assertion passes.
//
// A jti seen before is no reason to refuse: Apple's own sample signs one
// assertion for 180 days and sends it for every hourly access token, and
// micromdm/nanoaxm does the same, so the assertion is good for all of its
// life, however often it comes.
func (s *Server) verify(assertion string, now time.Time) string {
	tok, err := fakejwt.Verify(assertion, fakejwt.Rules{MaxLen: maxAssertion, Key: func(kid string) (*ecdsa.PublicKey, string, error) {
		if kid != s.key.ID {
			return nil, "", errors.New("kid is not the account's key ID")
		}
		return &s.key.PrivateKey.PublicKey, s.key.TeamID, nil
	}})
	switch {
	case errors.Is(err, fakejwt.ErrNoIssuer), errors.Is(err, fakejwt.ErrWrongIssuer):
		return "the assertion's iss is not the client ID"
	case err != nil:
		return "the assertion: " + err.Error()
	}
	c := tok.Payload
	if sub, _ := c.String("sub"); sub != s.key.TeamID {
		return "the assertion's sub is not the client ID"
	}
	if aud, err := c.Audiences("aud"); err != nil || !slices.Contains(aud, axm.Audience) {
		return "the assertion's aud is not " + axm.Audience
	}
	if jti, _ := c.String("jti"); jti == "" {
		return "the assertion has no jti"
	}
	iat, ok1 := seconds(c, "iat")
	exp, ok2 := seconds(c, "exp")
	switch {
	case !ok1:
		return "the assertion's iat is missing or not whole seconds"
	case !ok2:
		return "the assertion's exp is missing or not whole seconds"
	case iat.After(now.Add(leeway)):
		return "the assertion's iat is in the future"
	case !exp.After(now):
		return "the assertion has expired"
	case !exp.After(iat):
		return "the assertion's exp is not after its iat"
	case exp.Sub(iat) > maxAssertionLife:
		return "the assertion lives longer than 180 days"
	}
	return ""
}

// seconds reads a NumericDate as whole seconds, the form Apple's sample
// and every Business Manager client write.
func seconds(c fakejwt.Object, name string) (time.Time, bool) {
	t, err := c.Date(name, fakejwt.WholeSeconds)
	return t, err == nil
}
