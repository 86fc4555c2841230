package signinwithapple_test

import (
	"crypto"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/signinwithapple"
)

func TestConfigPrintsNoSignerHeldByValue(t *testing.T) {
	apitest.CheckValueSignerNotPrinted(t, "signinwithapple.Config", func(key crypto.Signer) any {
		return signinwithapple.Config{KeyID: testKeyID, TeamID: testTeamID, ClientID: testClientID, PrivateKey: key}
	})
}
