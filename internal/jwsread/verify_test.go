package jwsread

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"testing"
)

// TestVerifyES256TakesRawSignaturesOfTheInputOnly: a 64-byte R||S of the
// input by the key verifies; another input, another key, a DER signature of
// the same input, or no key does not.
func TestVerifyES256TakesRawSignaturesOfTheInputOnly(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const input = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ0ZWFtIn0"
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, SignatureLen)
	r.FillBytes(raw[:32])
	s.FillBytes(raw[32:])
	der, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	if !VerifyES256(&key.PublicKey, input, raw) {
		t.Fatal("the key's own signature does not verify")
	}
	for name, ok := range map[string]bool{
		"another input":       VerifyES256(&key.PublicKey, input+"x", raw),
		"another key":         VerifyES256(&other.PublicKey, input, raw),
		"a DER signature":     VerifyES256(&key.PublicKey, input, der),
		"a signature cut off": VerifyES256(&key.PublicKey, input, raw[:63]),
		"no key":              VerifyES256(nil, input, raw),
	} {
		if ok {
			t.Errorf("%s verifies", name)
		}
	}
}
