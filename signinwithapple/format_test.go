package signinwithapple_test

import (
	"crypto"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/signinwithapple"
)

func TestConfigPrintsNoSignerHeldByValue(t *testing.T) {
	apitest.CheckPrintsNoSignerHeldByValue(t, "signinwithapple.Config{", func(key crypto.Signer) signinwithapple.Config {
		return signinwithapple.Config{KeyID: testKeyID, TeamID: testTeamID, ClientID: testClientID, PrivateKey: key}
	})
}
