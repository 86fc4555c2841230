package signinwithappletest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakejwt"
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
	return verify(secret, s.keyID, &s.key.PublicKey, s.teamID, clientID, s.Now())
}

// verify checks a client secret by Apple's rules with crypto/ecdsa: the
// header "alg" ES256 and "kid" keyID; a 64-byte R||S signature by pub over
// the first two parts; "iss" teamID; "sub" clientID exactly; "aud"
// Apple's; integer "iat" not in the future; integer "exp" after now, within
// Apple's limit of now and of iat.
func verify(secret, keyID string, pub *ecdsa.PublicKey, teamID, clientID string, now time.Time) error {
	if len(secret) > maxSecret {
		return fmt.Errorf("client_secret is %d bytes; a client secret is a few hundred", len(secret))
	}
	parts := strings.Split(secret, ".")
	if len(parts) != 3 {
		return errors.New("client_secret is not a compact JWS: want header.payload.signature")
	}
	enc := base64.RawURLEncoding.Strict()
	rawHead, err := enc.DecodeString(parts[0])
	if err != nil {
		return errors.New("the header is not unpadded base64url")
	}
	var head map[string]any
	if err := json.Unmarshal(rawHead, &head); err != nil || head == nil {
		return errors.New("the header is not a JSON object")
	}
	if head["alg"] != "ES256" {
		return errors.New(`the header's "alg" is not "ES256"`)
	}
	if head["kid"] != keyID {
		return errors.New(`the header's "kid" is not the ID of the server's key`)
	}
	for _, name := range []string{"crit", "b64", "jku", "jwk", "x5u", "x5c"} {
		if _, ok := head[name]; ok {
			return fmt.Errorf("the header has %q, which Apple's client secret does not", name)
		}
	}
	sig, err := enc.DecodeString(parts[2])
	if err != nil {
		return errors.New("the signature is not unpadded base64url")
	}
	if len(sig) != fakejwt.SignatureLen {
		return fmt.Errorf("the signature is %d bytes, not the 64 of ES256's R||S (an ASN.1 DER signature is not converted?)", len(sig))
	}
	if !fakejwt.VerifyES256(pub, parts[0]+"."+parts[1], sig) {
		return errors.New("the signature does not verify with the key the header names")
	}
	rawClaims, err := enc.DecodeString(parts[1])
	if err != nil {
		return errors.New("the payload is not unpadded base64url")
	}
	dec := json.NewDecoder(bytes.NewReader(rawClaims))
	dec.UseNumber()
	var c map[string]any
	if err := dec.Decode(&c); err != nil || c == nil {
		return errors.New("the payload is not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("the payload has data after its JSON object")
	}
	if c["iss"] != teamID {
		return errors.New(`"iss" is not the Team ID`)
	}
	if c["sub"] != clientID {
		return errors.New(`"sub" is not the client_id (compared case by case)`)
	}
	if !audienceIsApple(c["aud"]) {
		return fmt.Errorf(`"aud" is not %q`, appleAudience)
	}
	iat, err := seconds(c, "iat")
	if err != nil {
		return err
	}
	exp, err := seconds(c, "exp")
	if err != nil {
		return err
	}
	t := now.Unix()
	switch {
	case iat > t:
		return errors.New(`"iat" is in the future`)
	case exp <= t:
		return errors.New("the client secret has expired")
	case exp <= iat:
		return errors.New(`"exp" is not after "iat"`)
	case exp-t > maxLifetimeSeconds:
		return fmt.Errorf(`"exp" is more than %d s after the server's time`, maxLifetimeSeconds)
	case exp-iat > maxLifetimeSeconds:
		return fmt.Errorf(`"exp" is more than %d s after "iat"`, maxLifetimeSeconds)
	}
	if _, ok := c["nbf"]; ok {
		nbf, err := seconds(c, "nbf")
		if err != nil || nbf > t {
			return errors.New(`"nbf" is not a time already passed`)
		}
	}
	return nil
}

// audienceIsApple accepts "aud" as Apple's string, or as an array that
// holds it, as JWT allows.
func audienceIsApple(aud any) bool {
	switch a := aud.(type) {
	case string:
		return a == appleAudience
	case []any:
		for _, v := range a {
			if v == appleAudience {
				return true
			}
		}
	}
	return false
}

// seconds reads claim name as whole seconds since the epoch.
func seconds(c map[string]any, name string) (int64, error) {
	n, ok := c[name].(json.Number)
	if !ok {
		return 0, fmt.Errorf("%q is missing or not a number", name)
	}
	v, err := n.Int64()
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number of seconds", name)
	}
	return v, nil
}

// signRaw signs input ES256 as a JWS does: SHA-256, then R||S, 32 bytes each.
func signRaw(k *ecdsa.PrivateKey, input string) []byte {
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
	if err != nil {
		panic("signinwithappletest: ECDSA signing failed: " + err.Error()) // crypto/rand failed
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out
}
