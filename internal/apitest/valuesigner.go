package apitest

import (
	"crypto"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// valueSigner is a crypto.Signer held by value, as a KMS client's handle
// may be: %d on a Config without Format prints its fields, secret among
// them.
type valueSigner struct {
	secret [4]byte
	pub    crypto.PublicKey
}

func (v valueSigner) Public() crypto.PublicKey { return v.pub }
func (v valueSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("not used")
}

// CheckValueSignerNotPrinted prints the Config that config makes around a
// signer held by value (whose bytes are 201, 202, 203 and 204) with every fmt
// verb, and fails t if any output shows those bytes in decimal, hex or octal,
// or is not the Config's own description, which starts with typeName
// ("axm.Config").
func CheckValueSignerNotPrinted(t *testing.T, typeName string, config func(crypto.Signer) any) {
	t.Helper()
	cfg := config(valueSigner{secret: [4]byte{201, 202, 203, 204}, pub: &NewKey(t).PublicKey})
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%o", "%q"} {
		out := fmt.Sprintf(verb, cfg)
		if strings.Contains(out, "201") || strings.Contains(out, "c9") || strings.Contains(out, "311") || !strings.Contains(out, typeName+"{") {
			t.Errorf("%s prints %s", verb, out)
		}
	}
}
