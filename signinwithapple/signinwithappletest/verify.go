package signinwithappletest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakejwt"
	"github.com/ascjwt/ascjwt/internal/fakeserver"
)

// maxLifetimeSeconds is Apple's limit on exp, from "Creating a client
// secret": "must not be greater than 15777000 (6 months in seconds) from
// the Current UNIX Time on the server". Written out here rather than taken
// from the package under test, so that a change there shows as a failure.
const maxLifetimeSeconds = 15777000

// appleAudience is the "aud" Apple's page gives.
const appleAudience = "https://appleid.apple.com"

// maxSecret bounds the client secret the server reads; ours are about 300
// bytes.
const maxSecret = 8 << 10

// VerifyClientSecret checks secret as the server does for a request with
// client_id clientID, at the server's clock, and returns the rule it breaks,
// or nil.
func (s *Server) VerifyClientSecret(secret, clientID string) error {
	if clientID != s.clientID {
		return errors.New("client_id is not the server's client ID (compared case by case)")
	}
	return verify(secret, s.dev, clientID, s.Now())
}

// verify checks a client secret by Apple's rules, reading it with
// internal/fakejwt (strict base64url, no member named twice, nothing after
// the JSON) and checking the signature with crypto/ecdsa: the header "alg"
// ES256 and "kid" dev's ID; a 64-byte R||S signature by dev's key over the
// first two parts; "iss" dev's Team ID; "sub" clientID exactly; "aud"
// Apple's; "iat" not in the future; "exp" after now, within Apple's limit
// of now and of iat. Times are any JSON number of seconds, fractions included, as RFC
// 7519 allows and Apple's own Swift library (jwt-kit) sends them.
func verify(secret string, dev fakeserver.Key, clientID string, now time.Time) error {
	if len(secret) > maxSecret {
		return fmt.Errorf("client_secret is %d bytes; a client secret is a few hundred", len(secret))
	}
	parts, err := fakejwt.Split(secret)
	if err != nil {
		return fmt.Errorf("client_secret is not a compact JWS (header.payload.signature): %w", err)
	}
	head, err := fakejwt.ReadObject(parts.Raw[0])
	if err != nil {
		return fmt.Errorf("the header %w", err)
	}
	if alg, _ := head.String("alg"); alg != "ES256" {
		return errors.New(`the header's "alg" is not "ES256"`)
	}
	if kid, _ := head.String("kid"); kid != dev.ID {
		return errors.New(`the header's "kid" is not the ID of the server's key`)
	}
	for _, name := range []string{"crit", "b64", "jku", "jwk", "x5u", "x5c"} {
		if _, ok := head[name]; ok {
			return fmt.Errorf("the header has %q, which Apple's client secret does not", name)
		}
	}
	if n := len(parts.Raw[2]); n != fakejwt.SignatureLen {
		return fmt.Errorf("the signature is %d bytes, not the 64 of ES256's R||S (an ASN.1 DER signature is not converted?)", n)
	}
	if !parts.VerifyES256(&dev.PrivateKey.PublicKey) {
		return errors.New("the signature does not verify with the key the header names")
	}
	c, err := fakejwt.ReadObject(parts.Raw[1])
	if err != nil {
		return fmt.Errorf("the payload %w", err)
	}
	if iss, _ := c.String("iss"); iss != dev.TeamID {
		return errors.New(`"iss" is not the Team ID`)
	}
	if sub, _ := c.String("sub"); sub != clientID {
		return errors.New(`"sub" is not the client_id (compared case by case)`)
	}
	if !audienceIsApple(c["aud"]) {
		return fmt.Errorf(`"aud" is not %q`, appleAudience)
	}
	iat, err := date(c, "iat")
	if err != nil {
		return err
	}
	exp, err := date(c, "exp")
	if err != nil {
		return err
	}
	const most = maxLifetimeSeconds * time.Second
	switch {
	case iat.After(now):
		return errors.New(`"iat" is in the future`)
	case !exp.After(now):
		return errors.New("the client secret has expired")
	case !exp.After(iat):
		return errors.New(`"exp" is not after "iat"`)
	case exp.Sub(now) > most:
		return fmt.Errorf(`"exp" is more than %d s after the server's time`, maxLifetimeSeconds)
	case exp.Sub(iat) > most:
		return fmt.Errorf(`"exp" is more than %d s after "iat"`, maxLifetimeSeconds)
	}
	if _, ok := c["nbf"]; ok {
		nbf, err := date(c, "nbf")
		if err != nil || nbf.After(now) {
			return errors.New(`"nbf" is not a time already passed`)
		}
	}
	return nil
}

// audienceIsApple accepts "aud" as Apple's string, or as an array that
// holds it, as JWT allows.
func audienceIsApple(raw json.RawMessage) bool {
	if s, err := fakejwt.StringValue(raw); err == nil {
		return s == appleAudience
	}
	var list []json.RawMessage
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &list) != nil {
		return false
	}
	for _, v := range list {
		if s, err := fakejwt.StringValue(v); err == nil && s == appleAudience {
			return true
		}
	}
	return false
}

// date reads claim name as a NumericDate with internal/fakejwt: any JSON
// number of seconds, fractions included; not a string, null or anything
// else.
func date(c fakejwt.Object, name string) (time.Time, error) {
	raw, ok := c[name]
	if !ok {
		return time.Time{}, fmt.Errorf("%q is missing or not a number", name)
	}
	return fakejwt.ParseDate(strconv.Quote(name), raw, fakejwt.AnyNumber)
}
