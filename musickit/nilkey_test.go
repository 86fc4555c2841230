package musickit_test

import (
	"crypto"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/musickit"
)

// TestNilKeyInsideTheInterfaceIsNoPrivateKey: a nil *ecdsa.PrivateKey (what
// LoadPrivateKey returns beside its error) or a signer whose Public() is a
// nil key is refused with the "no private key" error, not a panic.
func TestNilKeyInsideTheInterfaceIsNoPrivateKey(t *testing.T) {
	apitest.CheckNilKeyRefused(t, "musickit", "NewTokenSource", func(key crypto.Signer) error {
		_, err := musickit.NewTokenSource(musickit.Config{KeyID: "ABCDE12345", TeamID: "TEAM123456", PrivateKey: key})
		return err
	})
}
