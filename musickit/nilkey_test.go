package musickit_test

import (
	"crypto"
	"crypto/ecdsa"
	"io"
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt/musickit"
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
			_, err := musickit.NewTokenSource(musickit.Config{KeyID: "ABCDE12345", TeamID: "TEAM123456", PrivateKey: key})
			wantNoKey(t, "NewTokenSource", err)
		})
	}
}

func wantNoKey(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil || !strings.HasPrefix(err.Error(), "musickit: Config.PrivateKey: no private key") {
		t.Errorf("%s = %v, want the no private key error", what, err)
	}
}
