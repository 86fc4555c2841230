package ascjwt_test

import (
	"crypto"
	"crypto/ecdsa"
	"io"
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt"
)

// nilPublicKey is a signer whose Public() is a nil *ecdsa.PublicKey.
type nilPublicKey struct{}

func (nilPublicKey) Public() crypto.PublicKey { return (*ecdsa.PublicKey)(nil) }
func (nilPublicKey) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, nil
}

// TestNilKeyInsideTheInterfaceIsNoPrivateKey: a nil *ecdsa.PrivateKey (what
// LoadPrivateKey returns beside its error) or a signer whose Public() is a
// nil key is refused with the "no private key" error, not a panic.
func TestNilKeyInsideTheInterfaceIsNoPrivateKey(t *testing.T) {
	for name, key := range map[string]crypto.Signer{"nil *ecdsa.PrivateKey": (*ecdsa.PrivateKey)(nil), "nil Public()": nilPublicKey{}} {
		t.Run(name, func(t *testing.T) {
			_, err := ascjwt.NewTokenSource(ascjwt.Config{KeyID: "2X9R4HXF34", IssuerID: "57246542-96fe-1a63-e053-0824d011072a", PrivateKey: key})
			if err == nil || !strings.HasPrefix(err.Error(), "ascjwt: Config.PrivateKey: no private key") {
				t.Errorf("NewTokenSource = %v, want the no private key error", err)
			}
		})
	}
}
