package mapstest

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakejwt"
)

// Claims are the claims of a Maps JWT that passed [Verify].
type Claims struct {
	Issuer   string
	IssuedAt time.Time
	Expiry   time.Time
	Scope    string // empty when absent
	Origin   string // empty when absent
}

// maxTokenLen bounds what Verify reads: a Maps token is a few hundred
// bytes, a long origin list a few kilobytes.
const maxTokenLen = 16 << 10

// The scope values "Creating and using tokens with Maps Server API" lists.
const (
	scopeMapKitJS     = "mapkit_js"
	scopeServerAPI    = "server_api"
	scopeEmbedAPI     = "embed_api"
	scopeWebSnapshots = "web_snapshots"
)

type ruleError string

func (e ruleError) Error() string { return string(e) }

const (
	errScope   = ruleError("scope does not include server_api")
	errScopeJS = ruleError("scope does not include mapkit_js")
)

// Verify checks a Maps JWT (a MapKit JS token, or the JWT sent to the token
// endpoint) the way Apple describes in "Creating and using tokens with Maps
// Server API" and "Creating and Using Tokens with MapKit JS", with
// internal/fakejwt's strict reading (crypto/ecdsa directly): three
// base64url parts; a header of alg ES256, kid keyID and typ JWT, each name
// once ("MapKit JS considers a token with duplicate headers to be invalid",
// "Debugging an Invalid token"); claims iss teamID, iat not after now, exp
// after now and after iat, each any JSON number of seconds (RFC 7519
// section 2; MapKit JS pages often sign Date.now() / 1000); a scope, when
// present, of the page's values (mapkit_js, server_api, embed_api,
// web_snapshots), with an origin claim whenever it holds mapkit_js; an
// origin claim, when present, that allows origin (the request's Origin
// header; "" for none, which no origin claim allows): a domain pattern
// (*.example.com), a bare domain (example.com), an origin
// (https://www.example.com), or a comma-separated list of them; and a
// 64-byte R||S signature by pub. The error names the rule broken and never
// quotes the token.
func Verify(token string, pub *ecdsa.PublicKey, keyID, teamID, origin string, now time.Time) (Claims, error) {
	tok, err := fakejwt.Verify(token, fakejwt.Rules{MaxLen: maxTokenLen, Key: func(kid string) (*ecdsa.PublicKey, string, error) {
		if kid != keyID {
			return nil, "", errors.New("header kid is not a key the server knows")
		}
		return pub, teamID, nil
	}})
	switch {
	case errors.Is(err, fakejwt.ErrNoIssuer), errors.Is(err, fakejwt.ErrWrongIssuer):
		return Claims{}, errors.New("iss is not the team ID")
	case err != nil:
		return Claims{}, err
	}
	if _, ok := tok.Header["typ"]; !ok {
		return Claims{}, errors.New("header has no typ; Apple's page lists alg, kid and typ JWT as required")
	}
	c := Claims{Issuer: tok.Issuer}
	if c.IssuedAt, c.Expiry, err = tok.Payload.CheckTimes(now, 0, fakejwt.AnyNumber); err != nil {
		return Claims{}, err
	}
	if _, ok := tok.Payload["scope"]; ok {
		if c.Scope, _ = tok.Payload.String("scope"); c.Scope == "" {
			return Claims{}, errors.New("scope is not a non-empty string")
		}
		if err := checkScope(c.Scope); err != nil {
			return Claims{}, err
		}
	}
	_, hasOrigin := tok.Payload["origin"]
	switch {
	case hasOrigin:
		if c.Origin, _ = tok.Payload.String("origin"); c.Origin == "" {
			return Claims{}, errors.New("origin is not a non-empty string")
		}
		ok, err := originAllows(c.Origin, origin)
		if err != nil {
			return Claims{}, err
		}
		if !ok {
			return Claims{}, errors.New("origin does not allow the request's Origin header")
		}
	case hasScope(c.Scope, scopeMapKitJS):
		return Claims{}, errors.New("scope holds mapkit_js, which requires an origin claim")
	}
	return c, nil
}

// scopeValues splits a scope claim into its values: Apple's page gives one
// value; a list is taken with commas or white space between.
func scopeValues(scope string) []string {
	return strings.FieldsFunc(scope, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

// checkScope refuses a scope that holds a value Apple's page does not list.
func checkScope(scope string) error {
	for _, v := range scopeValues(scope) {
		switch v {
		case scopeMapKitJS, scopeServerAPI, scopeEmbedAPI, scopeWebSnapshots:
		default:
			return fmt.Errorf("scope holds %s, which Apple's page does not list (mapkit_js, server_api, embed_api, web_snapshots)", fakejwt.DescribeName(v))
		}
	}
	return nil
}

// hasScope reports whether scope holds the value want.
func hasScope(scope, want string) bool {
	for _, v := range scopeValues(scope) {
		if v == want {
			return true
		}
	}
	return false
}
