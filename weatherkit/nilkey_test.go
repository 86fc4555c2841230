package weatherkit_test

import (
	"crypto"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/weatherkit"
)

// TestNilKeyInsideTheInterfaceIsNoPrivateKey: a nil *ecdsa.PrivateKey (what
// LoadPrivateKey returns beside its error) or a signer whose Public() is a
// nil key is refused with the "no private key" error, not a panic.
func TestNilKeyInsideTheInterfaceIsNoPrivateKey(t *testing.T) {
	apitest.CheckNilKeyRefused(t, "weatherkit", "NewTokenSource", func(key crypto.Signer) error {
		_, err := weatherkit.NewTokenSource(weatherkit.Config{KeyID: "ABCDE12345", TeamID: "TEAM123456", ServiceID: "com.example.weatherkit-client", PrivateKey: key})
		return err
	})
}
