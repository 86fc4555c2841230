package maps_test

import (
	"crypto"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/maps"
)

// TestNilKeyInsideTheInterfaceIsNoPrivateKey: a nil *ecdsa.PrivateKey (what
// LoadPrivateKey returns beside its error) or a signer whose Public() is a
// nil key is refused with the "no private key" error, not a panic, by both
// constructors.
func TestNilKeyInsideTheInterfaceIsNoPrivateKey(t *testing.T) {
	cfg := func(key crypto.Signer) maps.Config {
		return maps.Config{KeyID: "ABCDE12345", TeamID: "TEAM123456", PrivateKey: key}
	}
	t.Run("NewTokenSource", func(t *testing.T) {
		apitest.CheckNilKeyRefused(t, "maps", "NewTokenSource", func(key crypto.Signer) error {
			_, err := maps.NewTokenSource(cfg(key))
			return err
		})
	})
	t.Run("NewJSTokenSource", func(t *testing.T) {
		apitest.CheckNilKeyRefused(t, "maps", "NewJSTokenSource", func(key crypto.Signer) error {
			_, err := maps.NewJSTokenSource(cfg(key), "https://example.com")
			return err
		})
	})
}
