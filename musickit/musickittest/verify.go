package musickittest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// This file checks developer tokens by the rules of Apple's "Generating
// Developer Tokens", with crypto/ecdsa and encoding/json directly, so that
// the fake shares no code with the package that makes the tokens.

// maxLifetime is Apple's limit: exp no more than 15,777,000 seconds from
// the server's current time.
const maxLifetime = 15_777_000

// leeway is how far in the future iat may be, for a client clock ahead of
// the server's.
const leeway = 60

// maxTokenLen bounds what the fake reads: a developer token is a few hundred
// bytes, a long origin list a few kilobytes.
const maxTokenLen = 16 << 10

// claims are what a token that passed holds.
type claims struct {
	keyID    string
	issuedAt int64
	expiry   int64
	origins  []string // nil without an origin claim
}

// verify checks value, signed by one of keys (by key ID), at now, for a
// request whose Origin header is origin ("" for none). Its errors name the
// rule broken.
func verify(value string, keyFor func(kid string) (Key, error), now time.Time, origin string) (*claims, error) {
	if len(value) > maxTokenLen {
		return nil, errors.New("the token is longer than any developer token")
	}
	parts := strings.Split(value, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("the token has %d parts; a JWS in compact form has 3", len(parts))
	}
	var raw [3][]byte
	for i, name := range []string{"header", "payload", "signature"} {
		b, err := decodeSegment(parts[i])
		if err != nil {
			return nil, fmt.Errorf("the %s is not base64url without padding", name)
		}
		raw[i] = b
	}
	header, err := readObject(raw[0])
	if err != nil {
		return nil, fmt.Errorf("the header %w", err)
	}
	for name := range header {
		switch name {
		case "alg", "kid", "typ":
		default:
			return nil, fmt.Errorf("the header holds %s, which Apple's page does not list (alg, kid)", describeName(name))
		}
	}
	if alg, _ := stringField(header, "alg"); alg != "ES256" {
		return nil, errors.New("alg is not ES256, the only algorithm Apple Music accepts")
	}
	if typ, ok := header["typ"]; ok {
		if s, err := stringValue(typ); err != nil || s != "JWT" {
			return nil, errors.New("typ is present and not \"JWT\"")
		}
	}
	kid, ok := stringField(header, "kid")
	if !ok {
		return nil, errors.New("the header has no kid (the key ID)")
	}
	key, err := keyFor(kid)
	if err != nil {
		return nil, err
	}
	if len(raw[2]) != 64 {
		return nil, fmt.Errorf("the signature is %d bytes; ES256 in JWS is 64 (R||S)", len(raw[2]))
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(raw[2][:32]), new(big.Int).SetBytes(raw[2][32:])
	if !ecdsa.Verify(&key.PrivateKey.PublicKey, digest[:], r, s) {
		return nil, errors.New("the signature does not verify with the key named by kid")
	}

	payload, err := readObject(raw[1])
	if err != nil {
		return nil, fmt.Errorf("the payload %w", err)
	}
	iss, ok := stringField(payload, "iss")
	if !ok {
		return nil, errors.New("iss (the Team ID) is missing or not a string")
	}
	if iss != key.TeamID {
		return nil, errors.New("iss is not the Team ID of the key named by kid")
	}
	iat, err := intField(payload, "iat")
	if err != nil {
		return nil, err
	}
	exp, err := intField(payload, "exp")
	if err != nil {
		return nil, err
	}
	t := now.Unix()
	switch {
	case iat > t+leeway:
		return nil, errors.New("iat is in the future")
	case exp <= t:
		return nil, errors.New("the token has expired (exp is past)")
	case exp <= iat:
		return nil, errors.New("exp is not after iat")
	case exp-t > maxLifetime:
		return nil, errors.New("exp is more than 15,777,000 seconds (six months) from now")
	}
	c := &claims{keyID: kid, issuedAt: iat, expiry: exp}
	if rawOrigins, ok := payload["origin"]; ok {
		if err := json.Unmarshal(rawOrigins, &c.origins); err != nil || c.origins == nil {
			return nil, errors.New("origin is not an array of strings")
		}
		if origin != "" && !contains(c.origins, origin) {
			return nil, errors.New("the request's Origin header is not in the token's origin claim")
		}
	}
	return c, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// decodeSegment decodes base64url without padding strictly: encoding/base64
// skips line breaks and, without Strict, ignores spare bits, which would let
// one signature travel under several spellings.
func decodeSegment(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n=") {
		return nil, errors.New("not base64url")
	}
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

// readObject reads a JSON object, refusing one that names a member twice
// (which decoders resolve differently) or is followed by anything.
func readObject(b []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("is not a JSON object")
	}
	obj := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errors.New("is not valid JSON")
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, errors.New("is not valid JSON")
		}
		if _, dup := obj[name]; dup {
			return nil, fmt.Errorf("names %s twice", describeName(name))
		}
		obj[name] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, errors.New("is not valid JSON")
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("has data after its JSON object")
	}
	return obj, nil
}

func stringValue(raw json.RawMessage) (string, error) {
	var s string
	if len(raw) == 0 || raw[0] != '"' {
		return "", errors.New("not a string")
	}
	err := json.Unmarshal(raw, &s)
	return s, err
}

func stringField(obj map[string]json.RawMessage, name string) (string, bool) {
	raw, ok := obj[name]
	if !ok {
		return "", false
	}
	s, err := stringValue(raw)
	return s, err == nil
}

// intField reads a NumericDate as Apple writes it: an integer number of
// seconds.
func intField(obj map[string]json.RawMessage, name string) (int64, error) {
	raw, ok := obj[name]
	if !ok {
		return 0, fmt.Errorf("%s is missing", name)
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is not an integer number of seconds", name)
	}
	return n, nil
}

// describeName shows a member name from a token if it is short and
// printable, and describes it otherwise.
func describeName(name string) string {
	if len(name) <= 32 {
		printable := true
		for i := 0; i < len(name); i++ {
			if name[i] < ' ' || name[i] > '~' {
				printable = false
			}
		}
		if printable {
			return strconv.Quote(name)
		}
	}
	return fmt.Sprintf("a member name of %d bytes", len(name))
}
