package axmtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/axm"
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

// verify checks a client assertion at now, by RFC 7523 and Apple's rules:
// a compact JWS signed with ES256 by the account's key under its key ID;
// iss and sub the client ID, aud Apple's audience, iat not in the future,
// exp in the future and at most 180 days after iat, and a jti not seen
// before. It returns the rule broken, or "" when the assertion passes, and
// then records its jti until its exp.
func (s *Server) verify(assertion string, now time.Time) string {
	if len(assertion) > maxAssertion {
		return "the assertion is too long to be a JWT"
	}
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return "the assertion is not a compact JWS of three parts"
	}
	rawHeader, err1 := decodeSegment(parts[0])
	rawPayload, err2 := decodeSegment(parts[1])
	sig, err3 := decodeSegment(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return "a part of the assertion is not unpadded base64url"
	}
	var header struct {
		Alg  string   `json:"alg"`
		Kid  string   `json:"kid"`
		Crit []string `json:"crit"`
	}
	if err := strictJSON(rawHeader, &header); err != nil {
		return "the assertion's header is not a JSON object"
	}
	switch {
	case header.Alg != "ES256":
		return "the assertion's alg is not ES256"
	case header.Kid != s.keyID:
		return "the assertion's kid is not the account's key ID"
	case header.Crit != nil:
		return "the assertion's header has crit, which is not understood here"
	}
	if !s.signatureValid(parts[0]+"."+parts[1], sig) {
		return "the assertion's signature does not verify with the account's key"
	}
	var c struct {
		Iss *string      `json:"iss"`
		Sub *string      `json:"sub"`
		Aud *string      `json:"aud"`
		Iat *json.Number `json:"iat"`
		Exp *json.Number `json:"exp"`
		Jti *string      `json:"jti"`
	}
	if err := strictJSON(rawPayload, &c); err != nil {
		return "the assertion's claims are not a JSON object of the expected types"
	}
	switch {
	case c.Iss == nil || *c.Iss != s.clientID:
		return "the assertion's iss is not the client ID"
	case c.Sub == nil || *c.Sub != s.clientID:
		return "the assertion's sub is not the client ID"
	case c.Aud == nil || *c.Aud != axm.Audience:
		return "the assertion's aud is not " + axm.Audience
	case c.Jti == nil || *c.Jti == "":
		return "the assertion has no jti"
	}
	iat, ok1 := seconds(c.Iat)
	exp, ok2 := seconds(c.Exp)
	switch {
	case !ok1:
		return "the assertion's iat is missing or not whole seconds"
	case !ok2:
		return "the assertion's exp is missing or not whole seconds"
	case iat > now.Add(leeway).Unix():
		return "the assertion's iat is in the future"
	case exp <= now.Unix():
		return "the assertion has expired"
	case exp <= iat:
		return "the assertion's exp is not after its iat"
	case exp-iat > int64(maxAssertionLife/time.Second):
		return "the assertion lives longer than 180 days"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for jti, until := range s.jtis {
		if !now.Before(until) {
			delete(s.jtis, jti) // past its exp, the assertion is refused anyway
		}
	}
	if _, seen := s.jtis[*c.Jti]; seen {
		return "the assertion's jti was used before"
	}
	s.jtis[*c.Jti] = time.Unix(exp, 0)
	return ""
}

// signatureValid checks an ES256 signature, R||S of 32 bytes each, over the
// signing input with the account's public key.
func (s *Server) signatureValid(input string, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	r, ss := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	digest := sha256.Sum256([]byte(input))
	return ecdsa.Verify(&s.key.PublicKey, digest[:], r, ss)
}

// decodeSegment decodes unpadded base64url, refusing padding and other
// alphabets, as JWS requires.
func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

// strictJSON decodes one JSON object into v, numbers kept as written.
func strictJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errTrailing
	}
	return nil
}

type jsonError string

func (e jsonError) Error() string { return string(e) }

const errTrailing = jsonError("data after the JSON object")

// seconds reads a NumericDate as whole seconds.
func seconds(n *json.Number) (int64, bool) {
	if n == nil {
		return 0, false
	}
	v, err := n.Int64()
	return v, err == nil
}
