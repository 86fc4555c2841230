package signinwithapple_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt/signinwithapple"
)

// valueSigner is a crypto.Signer held by value, as a KMS client's handle
// may be: %d on a Config without Format prints its fields.
type valueSigner struct {
	secret [4]byte
	pub    crypto.PublicKey
}

func (v valueSigner) Public() crypto.PublicKey { return v.pub }
func (v valueSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("not used")
}

func TestConfigPrintsNoSignerHeldByValue(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cfg := signinwithapple.Config{KeyID: testKeyID, TeamID: testTeamID, ClientID: testClientID,
		PrivateKey: valueSigner{secret: [4]byte{201, 202, 203, 204}, pub: &key.PublicKey}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%o", "%q"} {
		out := fmt.Sprintf(verb, cfg)
		if strings.Contains(out, "201") || strings.Contains(out, "c9") || strings.Contains(out, "311") || !strings.Contains(out, "signinwithapple.Config{") {
			t.Errorf("%s prints %s", verb, out)
		}
	}
}
