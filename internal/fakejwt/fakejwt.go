// Package fakejwt reads compact ES256 JSON Web Tokens strictly, for the
// fake servers of the API packages (musickittest, weatherkittest,
// apnstest, signinwithappletest). It is verification code of its own,
// written with crypto/ecdsa and encoding/json directly, and never
// internal/jws, which makes the tokens: the fakes must check the signing
// path, not repeat it.
//
// Strict means what a lax reader would let through is refused: base64url
// with padding, line breaks or spare bits (one signature under several
// spellings), JSON names that differ only in case or come twice (which
// verifiers resolve differently), data after a JSON object, a signature
// that is not ES256's 64-byte R||S.
//
// Its errors are phrases that each fake puts in its own words around;
// none quotes a token, and a member name is shown only when it is short
// and printable ([DescribeName]).
package fakejwt

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Rules are what [Verify] checks that every developer token shares.
type Rules struct {
	// MaxLen bounds the token read, in bytes.
	MaxLen int
	// Header lists the header names allowed besides alg, kid and typ; nil
	// allows any name but crit, which no fake understands.
	Header []string
	// Key returns the public key and Team ID of the key named kid, or an
	// error that says why there is none ("kid names no key of this
	// server").
	Key func(kid string) (pub *ecdsa.PublicKey, teamID string, err error)
}

// Token is a token whose signature and issuer passed [Verify].
type Token struct {
	// KeyID is the header's kid; Issuer the payload's iss, the key's Team
	// ID.
	KeyID, Issuer   string
	Header, Payload Object
	// Signature is the signature part as sent, which tells tokens apart:
	// strict base64url gives each signature one spelling.
	Signature string
}

// Verify checks what every developer token shares, in an order that
// refuses an algorithm other than ES256 before any key is looked up: the
// length, three strict base64url parts, a header of allowed names with alg
// ES256, typ absent or JWT and a kid that rules.Key knows, a 64-byte R||S
// signature by that key, and a payload whose iss is the key's Team ID. The
// claims of time and those of each API are the caller's to check. Its
// errors name the rule broken.
func Verify(value string, rules Rules) (*Token, error) {
	if len(value) > rules.MaxLen {
		return nil, errors.New("the token is longer than any developer token")
	}
	parts, err := Split(value)
	if err != nil {
		return nil, err
	}
	header, err := ReadObject(parts.Raw[0])
	if err != nil {
		return nil, fmt.Errorf("the header %w", err)
	}
	for name := range header {
		switch {
		case name == "alg" || name == "kid" || name == "typ":
		case rules.Header == nil && name != "crit":
		case !slices.Contains(rules.Header, name):
			return nil, fmt.Errorf("the header holds %s, which Apple's page does not list (%s)", DescribeName(name), strings.Join(append([]string{"alg", "kid"}, rules.Header...), ", "))
		}
	}
	if alg, _ := header.String("alg"); alg != "ES256" {
		return nil, errors.New("alg is not ES256, the only algorithm Apple takes for these tokens")
	}
	if typ, ok := header["typ"]; ok {
		if s, err := StringValue(typ); err != nil || s != "JWT" {
			return nil, errors.New("typ is present and not \"JWT\"")
		}
	}
	kid, ok := header.String("kid")
	if !ok {
		return nil, errors.New("the header has no kid (the key ID)")
	}
	pub, team, err := rules.Key(kid)
	if err != nil {
		return nil, err
	}
	if n := len(parts.Raw[2]); n != SignatureLen {
		return nil, fmt.Errorf("the signature is %d bytes; ES256 in JWS is 64 (R||S)", n)
	}
	if !parts.VerifyES256(pub) {
		return nil, errors.New("the signature does not verify with the key named by kid")
	}
	payload, err := ReadObject(parts.Raw[1])
	if err != nil {
		return nil, fmt.Errorf("the payload %w", err)
	}
	iss, ok := payload.String("iss")
	if !ok {
		return nil, errors.New("iss (the Team ID) is missing or not a string")
	}
	if iss != team {
		return nil, errors.New("iss is not the Team ID of the key named by kid")
	}
	return &Token{KeyID: kid, Issuer: iss, Header: header, Payload: payload, Signature: parts.Encoded[2]}, nil
}

// SignatureLen is the length of an ES256 signature in a JWS: R and S, 32
// bytes each (RFC 7518 section 3.4).
const SignatureLen = 64

// Parts is a compact JWS split at its periods, each part decoded.
type Parts struct {
	// Encoded holds the header, payload and signature as they were sent.
	Encoded [3]string
	// Raw holds the same three, decoded from base64url.
	Raw [3][]byte
}

// partNames name the three parts in errors.
var partNames = [3]string{"header", "payload", "signature"}

// Split splits value into the three parts of a compact JWS and decodes
// each as strict base64url. Its errors say how many parts there were or
// which part did not decode.
func Split(value string) (Parts, error) {
	enc := strings.Split(value, ".")
	if len(enc) != 3 {
		return Parts{}, fmt.Errorf("the token has %d parts; a JWS in compact form has 3", len(enc))
	}
	var p Parts
	for i := range enc {
		b, err := DecodeSegment(enc[i])
		if err != nil {
			return Parts{}, fmt.Errorf("the %s is not base64url without padding", partNames[i])
		}
		p.Encoded[i], p.Raw[i] = enc[i], b
	}
	return p, nil
}

// DecodeSegment decodes base64url without padding strictly: encoding/base64
// skips line breaks and, without Strict, ignores spare bits, which would let
// one signature travel under several spellings.
func DecodeSegment(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n=") {
		return nil, errors.New("not base64url")
	}
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

// VerifyES256 reports whether the parts' signature is pub's ES256 signature
// of their header and payload ([VerifyES256]).
func (p Parts) VerifyES256(pub *ecdsa.PublicKey) bool {
	return VerifyES256(pub, p.Encoded[0]+"."+p.Encoded[1], p.Raw[2])
}

// VerifyES256 reports whether sig is pub's ES256 signature of input, the
// JWS signing input: SHA-256, then a 64-byte R||S. A signature of any other
// length (an ASN.1 DER one, say) does not verify; callers that name that
// mistake check [SignatureLen] first.
func VerifyES256(pub *ecdsa.PublicKey, input string, sig []byte) bool {
	if pub == nil || len(sig) != SignatureLen {
		return false
	}
	digest := sha256.Sum256([]byte(input))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(pub, digest[:], r, s)
}

// Object is a JSON object's members by their exact names: a JWT's names
// are case-sensitive (RFC 7515 section 4, RFC 7519 section 4), which
// encoding/json's Unmarshal into a struct does not respect.
type Object map[string]json.RawMessage

// ReadObject reads b as one JSON object, refusing one that names a member
// twice (which decoders resolve differently: {"alg":"none","alg":"ES256"}
// means one thing to a verifier that keeps the first and another to one
// that keeps the last) or is followed by anything. Its errors are phrases
// to follow "the header" or "the payload".
func ReadObject(b []byte) (Object, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("is not a JSON object")
	}
	obj := make(Object)
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
			return nil, fmt.Errorf("names %s twice", DescribeName(name))
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

// String returns the member name if it is a JSON string; null, a number
// or anything else is not.
func (o Object) String(name string) (string, bool) {
	raw, ok := o[name]
	if !ok {
		return "", false
	}
	s, err := StringValue(raw)
	return s, err == nil
}

// StringValue decodes raw if it is a JSON string.
func StringValue(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", errors.New("not a string")
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// Int reads the member name as a NumericDate the way Apple writes it: an
// integer number of seconds, not a fraction, an exponent or a string. Its
// errors name the member.
func (o Object) Int(name string) (int64, error) {
	raw, ok := o[name]
	if !ok {
		return 0, fmt.Errorf("%s is missing", name)
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is not an integer number of seconds", name)
	}
	return n, nil
}

// Times reads iat and exp as [Object.Int] does and checks them at now: iat
// no more than leeway seconds ahead (for a client clock ahead of the
// server's), exp after now and after iat. Limits on exp - iat differ by
// API and are the caller's.
func (o Object) Times(now time.Time, leeway int64) (iat, exp int64, err error) {
	if iat, err = o.Int("iat"); err != nil {
		return 0, 0, err
	}
	if exp, err = o.Int("exp"); err != nil {
		return 0, 0, err
	}
	t := now.Unix()
	switch {
	case iat > t+leeway:
		return 0, 0, errors.New("iat is in the future")
	case exp <= t:
		return 0, 0, errors.New("the token has expired (exp is past)")
	case exp <= iat:
		return 0, 0, errors.New("exp is not after iat")
	}
	return iat, exp, nil
}

// DescribeName shows a member name from a token quoted if it is short and
// printable, and otherwise says only how long it is: a name is the token
// sender's text, and may be anything.
func DescribeName(name string) string {
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
