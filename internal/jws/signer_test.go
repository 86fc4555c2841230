package jws

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

// wrapped is a crypto.Signer that is not an *ecdsa.PrivateKey.
type wrapped struct {
	crypto.Signer
	sign func(digest []byte) ([]byte, error)
}

func (w wrapped) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if w.sign != nil {
		return w.sign(digest)
	}
	return w.Signer.Sign(r, digest, opts)
}

func TestOpaqueSignerErrors(t *testing.T) {
	key := apitest.NewKey(t)
	other := apitest.NewKey(t)
	for _, tc := range []struct {
		name string
		sign func([]byte) ([]byte, error)
		want string
	}{
		{"signer error", func([]byte) ([]byte, error) { return nil, errors.New("hsm offline") }, "hsm offline"},
		{"garbage", func([]byte) ([]byte, error) { return []byte("xyz"), nil }, "neither ASN.1 DER"},
		{"another key", func(d []byte) ([]byte, error) { return ecdsa.SignASN1(rand.Reader, other, d) }, "does not verify with its own Public() key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSigner(wrapped{Signer: key, sign: tc.sign}, "K")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Sign(context.Background(), []byte(`{}`)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestRawSignerPassesThrough(t *testing.T) {
	key := apitest.NewKey(t)
	raw := func(d []byte) ([]byte, error) { // a PKCS#11-style signer: R||S
		der, err := ecdsa.SignASN1(rand.Reader, key, d)
		if err != nil {
			return nil, err
		}
		return RawSignature(der)
	}
	s, err := NewSigner(wrapped{Signer: key, sign: raw}, "K")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Sign(context.Background(), []byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := obj.Verify(&key.PublicKey); err != nil {
		t.Fatal(err)
	}
}

type ctxKey struct{}

// ctxSigner records the context it was given.
type ctxSigner struct {
	*ecdsa.PrivateKey
	got context.Context
}

func (c *ctxSigner) SignContext(ctx context.Context, r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	c.got = ctx
	return c.PrivateKey.Sign(r, d, o)
}

func (c *ctxSigner) Public() crypto.PublicKey { return c.PrivateKey.Public() }

func TestContextSignerGetsContext(t *testing.T) {
	key := apitest.NewKey(t)
	cs := &ctxSigner{PrivateKey: key}
	s, err := NewSigner(cs, "K")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), ctxKey{}, "trace-1")
	if _, err := s.Sign(ctx, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if cs.got == nil || cs.got.Value(ctxKey{}) != "trace-1" {
		t.Fatal("SignContext did not get the caller's context")
	}
}

func TestCheckKey(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	p256 := apitest.NewKey(t)
	mismatched := *p256
	other := apitest.NewKey(t)
	mismatched.PublicKey = other.PublicKey
	for name, tc := range map[string]struct {
		key  crypto.Signer
		want string
	}{
		"nil":               {nil, "no private key"},
		"P-384":             {p384, "P-384"},
		"P-384 signer":      {wrapped{Signer: p384}, "P-384"},
		"RSA signer":        {rsaKey, "*rsa.PublicKey"},
		"mismatched halves": {&mismatched, "does not match"},
	} {
		if err := CheckKey(tc.key); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
}

// TestSignerWithHeader: the header holds alg and kid, typ only when asked,
// and the extra fields, nothing else.
func TestSignerWithHeader(t *testing.T) {
	key := apitest.NewKey(t)
	for _, tc := range []struct {
		h    Header
		want string
	}{
		{Header{}, `{"alg":"ES256","kid":"K1"}`},
		{Header{Type: "JWT"}, `{"alg":"ES256","kid":"K1","typ":"JWT"}`},
		{Header{Extra: map[string]string{"id": "TEAM.com.example"}}, `{"alg":"ES256","id":"TEAM.com.example","kid":"K1"}`},
	} {
		for _, k := range []crypto.Signer{key, opaqueKey{key}} {
			s, err := NewSignerWith(k, "K1", tc.h)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := s.Sign(context.Background(), []byte(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			head, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
			if string(head) != tc.want {
				t.Errorf("%T: header %s, want %s", k, head, tc.want)
			}
		}
	}
}

// opaqueKey hides an in-memory key's type, as a KMS signer would.
type opaqueKey struct{ crypto.Signer }
