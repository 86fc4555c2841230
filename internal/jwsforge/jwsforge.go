// Package jwsforge signs a JWS's header and payload text byte for byte,
// for the tests of the fakes: tokens that break one rule each (a name
// twice, names in capitals, bytes that are not UTF-8, a fraction in exp),
// which no well-behaved library would make. It signs with crypto/ecdsa
// directly, not with internal/jws, so that what it makes checks the fakes
// independently of the code under test.
//
//	tok := jwsforge.Sign(key, `{"alg":"ES256","kid":"ABC123DEFG"}`, `{"iss":"DEF123GHIJ","exp":1.5e9}`)
package jwsforge

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
)

var b64 = base64.RawURLEncoding

// Sign returns header.payload.signature: the two texts as given, in
// base64url, and key's ES256 signature of them as JWS carries it, R||S of
// 32 bytes each (RFC 7518 section 3.4).
func Sign(key *ecdsa.PrivateKey, header, payload string) string {
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		panic("jwsforge: sign: " + err.Error()) // crypto/rand does not fail
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64.EncodeToString(sig)
}

// SignJSON is [Sign] of header and claims as encoding/json writes them.
func SignJSON(key *ecdsa.PrivateKey, header, claims map[string]any) string {
	return Sign(key, mustJSON(header), mustJSON(claims))
}

// SignDER signs as [Sign] does but carries the ASN.1 DER signature that
// crypto.Signer returns, which a JWS must not.
func SignDER(key *ecdsa.PrivateKey, header, payload string) string {
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	digest := sha256.Sum256([]byte(input))
	der, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		panic("jwsforge: sign: " + err.Error())
	}
	return input + "." + b64.EncodeToString(der)
}

func mustJSON(v map[string]any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("jwsforge: encode: " + err.Error()) // a test's map of plain values always encodes
	}
	return string(b)
}
