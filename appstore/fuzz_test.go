package appstore_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/appstore/appstoretest"
)

// FuzzVerify feeds anything to the verifier: it must not panic, and what
// it accepts must carry a signature by the test leaf over its first two
// segments, checked here by hand.
func FuzzVerify(f *testing.F) {
	ca := appstoretest.NewCA()
	v := newVerifier(f, ca, appstore.VerifierConfig{})
	good := sign(f, ca, transaction())
	f.Add(good)
	f.Add(signN(f, ca, didRenew()))
	f.Add(signJWS(f, ca.LeafKey(), map[string]any{"alg": "ES256", "x5c": x5c(ca)[:2]}, transaction()))
	f.Add(signJWS(f, ca.LeafKey(), map[string]any{"alg": "ES256"}, transaction()))
	f.Add("a.b.c")
	f.Add("..")
	f.Add("e30.e30.")
	h, p, s := parts(good)
	f.Add(h + "." + p + "." + s[:len(s)-1] + "B")
	f.Add(h + ".e30." + s)
	f.Fuzz(func(t *testing.T, signed string) {
		_, errT := v.VerifyTransaction(ctx, signed)
		_, errN := v.VerifyNotification(ctx, signed)
		_, errR := v.VerifyRenewalInfo(ctx, signed)
		_, errA := v.VerifyAppTransaction(ctx, signed)
		_, errQ := v.VerifyRealtimeRequest(ctx, signed)
		for _, err := range []error{errT, errN, errR, errA, errQ} {
			if err == nil && !signedBy(&ca.LeafKey().PublicKey, signed) {
				t.Fatalf("accepted a JWS the test leaf did not sign: %q", signed)
			}
		}
	})
}

// FuzzMutatedSignature changes one character of a good signature: every
// change is refused, the unused bits of the last character among them.
func FuzzMutatedSignature(f *testing.F) {
	ca := appstoretest.NewCA()
	v := newVerifier(f, ca, appstore.VerifierConfig{})
	good := sign(f, ca, transaction())
	h, p, s := parts(good)
	f.Add(uint(0), byte(1))
	f.Add(uint(len(s)-1), byte(1)) // a bit the decoder would otherwise ignore
	f.Add(uint(len(s)-1), byte(2))
	f.Add(uint(40), byte(63))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	f.Fuzz(func(t *testing.T, pos uint, c byte) {
		i := int(pos % uint(len(s)))
		mutated := s[:i] + string(alphabet[int(c)%len(alphabet)]) + s[i+1:]
		if mutated == s {
			return
		}
		if _, err := v.VerifyTransaction(ctx, h+"."+p+"."+mutated); err == nil {
			t.Fatalf("accepted the signature with character %d changed", i)
		}
	})
}

// FuzzCertificate puts any bytes where the leaf certificate goes: no
// panic, and nothing but the real leaf is accepted.
func FuzzCertificate(f *testing.F) {
	ca := appstoretest.NewCA()
	v := newVerifier(f, ca, appstore.VerifierConfig{})
	chain := ca.Chain()
	for _, c := range chain {
		f.Add(c.Raw)
		f.Add(c.Raw[:len(c.Raw)/2])
	}
	f.Add([]byte{0x30, 0x80})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, der []byte) {
		list := x5c(ca)
		list[0] = base64.StdEncoding.EncodeToString(der)
		signed := signJWS(t, ca.LeafKey(), map[string]any{"alg": "ES256", "x5c": list}, transaction())
		if _, err := v.VerifyTransaction(ctx, signed); err == nil && !bytes.Equal(der, chain[0].Raw) {
			t.Fatalf("accepted a chain whose leaf is not the CA's")
		}
	})
}

func signedBy(key *ecdsa.PublicKey, signed string) bool {
	i := strings.LastIndexByte(signed, '.')
	if i < 0 {
		return false
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(signed[i+1:])
	if err != nil || len(sig) != 64 {
		return false
	}
	digest := sha256.Sum256([]byte(signed[:i]))
	return ecdsa.Verify(key, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
}
