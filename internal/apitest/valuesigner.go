package apitest

import (
	"crypto"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// ValueSignerSecret is held by the signer that
// [CheckPrintsNoSignerHeldByValue] puts in a Config: bytes that must never
// be printed.
var ValueSignerSecret = [4]byte{201, 202, 203, 204}

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

// CheckPrintsNoSignerHeldByValue makes a Config by config around a P-256
// signer held by value, whose fields hold [ValueSignerSecret], prints it
// with every fmt verb, and fails t unless each output starts with typeName
// ("axm.Config{") and shows none of the secret's bytes, in decimal, hex or
// octal. It returns the Config, for a test that encodes it further.
func CheckPrintsNoSignerHeldByValue[C any](t *testing.T, typeName string, config func(crypto.Signer) C) C {
	t.Helper()
	cfg := config(valueSigner{secret: ValueSignerSecret, pub: &NewKey(t).PublicKey})
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%o", "%q"} {
		out := fmt.Sprintf(verb, cfg)
		if strings.Contains(out, "201") || strings.Contains(out, "c9") || strings.Contains(out, "311") || !strings.Contains(out, typeName) {
			t.Errorf("%s prints %s", verb, out)
		}
	}
	return cfg
}
