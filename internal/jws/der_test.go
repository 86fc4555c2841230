package jws

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/asn1"
	"math/big"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

// TestRawSignatureFromDER: an ASN.1 DER signature, whatever the widths of
// its integers (DER drops leading zeros and adds a 0x00 before a high bit),
// becomes the fixed 64-byte R||S that JWS wants, each half left-padded.
func TestRawSignatureFromDER(t *testing.T) {
	for _, tc := range []struct {
		name string
		r, s *big.Int
	}{
		{"full width", new(big.Int).Lsh(big.NewInt(1), 255), new(big.Int).Lsh(big.NewInt(3), 250)}, // high bit set: DER adds a 0x00
		{"short r", big.NewInt(5), new(big.Int).Lsh(big.NewInt(1), 200)},
		{"short s", new(big.Int).Lsh(big.NewInt(1), 254), big.NewInt(1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			der, err := asn1.Marshal(struct{ R, S *big.Int }{tc.r, tc.s})
			if err != nil {
				t.Fatal(err)
			}
			raw, err := RawSignature(der)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]byte, 64)
			tc.r.FillBytes(want[:32])
			tc.s.FillBytes(want[32:])
			if !bytes.Equal(raw, want) {
				t.Fatalf("raw = %x, want %x", raw, want)
			}
		})
	}
}

func TestRawSignatureFromRealSigner(t *testing.T) {
	key := apitest.NewKey(t)
	digest := make([]byte, 32)
	for range 50 {
		rand.Read(digest)
		der, err := ecdsa.SignASN1(rand.Reader, key, digest)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := RawSignature(der)
		if err != nil {
			t.Fatal(err)
		}
		r, s := new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])
		if !ecdsa.Verify(&key.PublicKey, digest, r, s) {
			t.Fatal("converted signature does not verify")
		}
	}
}

func TestRawSignatureRefusesJunk(t *testing.T) {
	tooBig, _ := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).Lsh(big.NewInt(1), 300), big.NewInt(1)})
	negative, _ := asn1.Marshal(struct{ R, S *big.Int }{big.NewInt(-5), big.NewInt(1)})
	trailing, _ := asn1.Marshal(struct{ R, S *big.Int }{big.NewInt(5), big.NewInt(1)})
	trailing[1]++
	trailing = append(trailing, 0)
	for name, sig := range map[string][]byte{
		"empty": nil, "short": {0x30, 0x02, 0x02, 0x00}, "r over 32 bytes": tooBig, "negative r": negative,
		"trailing bytes": trailing, "65 bytes": make([]byte, 65),
	} {
		if _, err := RawSignature(sig); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	raw := bytes.Repeat([]byte{7}, 64)
	if got, err := RawSignature(raw); err != nil || !bytes.Equal(got, raw) {
		t.Errorf("64-byte R||S passed through as %x, %v", got, err)
	}
}

func FuzzRawSignature(f *testing.F) {
	key := apitest.NewKey(f)
	der, _ := ecdsa.SignASN1(rand.Reader, key, make([]byte, 32))
	f.Add(der)
	f.Add(make([]byte, 64))
	f.Add([]byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, sig []byte) {
		raw, err := RawSignature(sig)
		if err == nil && len(raw) != 64 {
			t.Fatalf("%d-byte result", len(raw))
		}
	})
}
