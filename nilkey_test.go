package ascjwt_test

import (
	"crypto"
	"testing"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// TestNilKeyInsideTheInterfaceIsNoPrivateKey: a nil *ecdsa.PrivateKey (what
// LoadPrivateKey returns beside its error) or a signer whose Public() is a
// nil key is refused with the "no private key" error, not a panic.
func TestNilKeyInsideTheInterfaceIsNoPrivateKey(t *testing.T) {
	apitest.CheckNilKeyRefused(t, "ascjwt", "NewTokenSource", func(key crypto.Signer) error {
		_, err := ascjwt.NewTokenSource(ascjwt.Config{KeyID: "2X9R4HXF34", IssuerID: "57246542-96fe-1a63-e053-0824d011072a", PrivateKey: key})
		return err
	})
}
