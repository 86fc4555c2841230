package mapstest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Claims are the claims of a Maps JWT that passed [Verify].
type Claims struct {
	Issuer   string
	IssuedAt time.Time
	Expiry   time.Time
	Scope    string // empty when absent
	Origin   string // empty when absent
}

// Verify checks a Maps JWT (a MapKit JS token, or the JWT sent to the token
// endpoint) the way Apple describes in "Creating and using tokens with Maps
// Server API" and "Creating and Using Tokens with MapKit JS", with this
// package's own crypto/ecdsa code: three base64url parts; a header of alg
// ES256, kid keyID and typ JWT, each name once ("MapKit JS considers a
// token with duplicate headers to be invalid", "Debugging an Invalid
// token"); claims iss teamID, iat not after now, exp after now and after
// iat; an origin claim, when present, equal to origin (the request's Origin
// header); and a 64-byte R||S signature by pub. The error names the rule
// broken and never quotes the token.
func Verify(token string, pub *ecdsa.PublicKey, keyID, teamID, origin string, now time.Time) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, fmt.Errorf("not a compact JWS: %d parts, not 3", len(parts))
	}
	var raw [3][]byte
	for i, p := range parts {
		b, err := base64.RawURLEncoding.Strict().DecodeString(p)
		if err != nil {
			return Claims{}, fmt.Errorf("part %d is not unpadded base64url", i+1)
		}
		raw[i] = b
	}
	head, err := object(raw[0])
	if err != nil {
		return Claims{}, fmt.Errorf("header: %w", err)
	}
	for _, name := range []string{"alg", "kid", "typ"} {
		if _, ok := head[name]; !ok {
			return Claims{}, fmt.Errorf("header has no %s", name)
		}
	}
	switch {
	case str(head["alg"]) != "ES256":
		return Claims{}, errors.New("header alg is not ES256")
	case str(head["kid"]) != keyID:
		return Claims{}, errors.New("header kid is not a key the server knows")
	case str(head["typ"]) != "JWT":
		return Claims{}, errors.New("header typ is not JWT")
	}
	if len(raw[2]) != 64 {
		return Claims{}, fmt.Errorf("signature is %d bytes, not the 64 of ES256's R||S", len(raw[2]))
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(raw[2][:32]), new(big.Int).SetBytes(raw[2][32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		return Claims{}, errors.New("signature does not verify with the key")
	}
	body, err := object(raw[1])
	if err != nil {
		return Claims{}, fmt.Errorf("claims: %w", err)
	}
	var c Claims
	if str(body["iss"]) != teamID {
		return Claims{}, errors.New("iss is not the team ID")
	}
	c.Issuer = teamID
	iat, ok := seconds(body["iat"])
	if !ok {
		return Claims{}, errors.New("iat is missing or not whole seconds")
	}
	exp, ok := seconds(body["exp"])
	if !ok {
		return Claims{}, errors.New("exp is missing or not whole seconds")
	}
	c.IssuedAt, c.Expiry = time.Unix(iat, 0), time.Unix(exp, 0)
	switch {
	case c.IssuedAt.After(now):
		return Claims{}, errors.New("iat is in the future")
	case !c.Expiry.After(now):
		return Claims{}, errors.New("token expired")
	case exp <= iat:
		return Claims{}, errors.New("exp is not after iat")
	}
	if v, ok := body["scope"]; ok {
		if c.Scope = str(v); c.Scope == "" {
			return Claims{}, errors.New("scope is not a non-empty string")
		}
	}
	if v, ok := body["origin"]; ok {
		if c.Origin = str(v); c.Origin != origin {
			return Claims{}, errors.New("origin does not match the request's Origin header exactly")
		}
	}
	return c, nil
}

// object decodes a JSON object, refusing a name given twice.
func object(b []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	out := make(map[string]json.RawMessage)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, errors.New("not a JSON object")
		}
		name, _ := t.(string)
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("name %q given twice", name)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, errors.New("not a JSON object")
		}
		out[name] = v
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') || dec.More() {
		return nil, errors.New("not a JSON object")
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("data after the JSON object")
	}
	return out, nil
}

func str(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return ""
	}
	return s
}

func seconds(v json.RawMessage) (int64, bool) {
	if v == nil {
		return 0, false
	}
	var n int64
	return n, json.Unmarshal(v, &n) == nil
}
