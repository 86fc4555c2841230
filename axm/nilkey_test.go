package axm_test

import (
	"crypto"
	"testing"

	"github.com/ascjwt/ascjwt/axm"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// TestNilKeyInsideTheInterfaceIsNoPrivateKey: a nil *ecdsa.PrivateKey (what
// LoadPrivateKey returns beside its error) or a signer whose Public() is a
// nil key is refused with the "no private key" error, not a panic.
func TestNilKeyInsideTheInterfaceIsNoPrivateKey(t *testing.T) {
	apitest.CheckNilKeyRefused(t, "axm", "NewTokenSource", func(key crypto.Signer) error {
		_, err := axm.NewTokenSource(axm.Config{KeyID: "ABCDE12345", ClientID: "BUSINESSAPI.9703f56c-10ce-4876-8f59-e78e5e23a152", PrivateKey: key})
		return err
	})
}
