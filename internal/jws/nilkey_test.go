package jws

import (
	"crypto"
	"crypto/ecdsa"
	"io"
	"strings"
	"testing"
)

type signerFunc func() crypto.PublicKey

func (f signerFunc) Public() crypto.PublicKey { return f() }
func (f signerFunc) Sign(_ io.Reader, _ []byte, _ crypto.SignerOpts) ([]byte, error) {
	return nil, nil
}

func TestCheckKeyRefusesANilPointerInTheInterface(t *testing.T) {
	var k *ecdsa.PrivateKey
	var f signerFunc
	for name, key := range map[string]crypto.Signer{"untyped nil": nil, "nil *ecdsa.PrivateKey": k, "nil func": f} {
		if err := CheckKey(key); err == nil || !strings.HasPrefix(err.Error(), "no private key") {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := NewSigner(key, "ABC123DEFG"); err == nil {
			t.Errorf("%s: NewSigner accepted it", name)
		}
	}
}
