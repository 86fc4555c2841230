package apitest

import (
	"crypto"
	"crypto/ecdsa"
	"io"
	"strings"
	"testing"
)

// nilPublicKey is a signer whose Public() is a nil *ecdsa.PublicKey.
type nilPublicKey struct{}

func (nilPublicKey) Public() crypto.PublicKey { return (*ecdsa.PublicKey)(nil) }
func (nilPublicKey) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, nil
}

// CheckNilKeyRefused gives construct, named what ("NewTokenSource"), each
// key that is nil inside the crypto.Signer interface: a nil
// *ecdsa.PrivateKey (what LoadPrivateKey returns beside its error) and a
// signer whose Public() is a nil key. It fails t unless each is refused with
// pkg's "no private key" error ("musickit: Config.PrivateKey: no private
// key..."), and a panic fails the test as any panic does.
func CheckNilKeyRefused(t *testing.T, pkg, what string, construct func(key crypto.Signer) error) {
	t.Helper()
	keys := map[string]crypto.Signer{"nil *ecdsa.PrivateKey": (*ecdsa.PrivateKey)(nil), "nil Public()": nilPublicKey{}}
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			err := construct(key)
			if err == nil || !strings.HasPrefix(err.Error(), pkg+": Config.PrivateKey: no private key") {
				t.Errorf("%s = %v, want the no private key error", what, err)
			}
		})
	}
}
