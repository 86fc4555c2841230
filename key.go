package ascjwt

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"fmt"
	"io"

	"github.com/ascjwt/ascjwt/internal/fileread"
	"github.com/ascjwt/ascjwt/internal/keyparse"
)

// ParsePrivateKey parses an App Store Connect private key in any of the forms
// people keep it in: the .p8 file Apple issues (PKCS#8 PEM), a SEC1
// "EC PRIVATE KEY" PEM, the bare base64 body with or without line breaks (as
// stored in CI secrets), base64 of the whole .p8 file, CRLF line ends,
// surrounding white space, and line breaks written as the two characters \n
// (as in JSON or env values).
//
// It refuses, each with an error that says what the data is and what is
// expected: empty input, text that is no key, encrypted keys, public keys and
// certificates, RSA and Ed25519 keys, and curves other than P-256. No error
// contains any byte of data.
func ParsePrivateKey(data []byte) (*ecdsa.PrivateKey, error) {
	key, err := keyparse.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("ascjwt: parse private key: %w", err)
	}
	return key, nil
}

// LoadPrivateKey reads and parses the key file at path, typically the
// AuthKey_<KEYID>.p8 downloaded from App Store Connect. Its errors name the
// file.
func LoadPrivateKey(path string) (*ecdsa.PrivateKey, error) {
	data, err := fileread.Limited(path, keyparse.MaxSize)
	if err != nil {
		return nil, fmt.Errorf("ascjwt: key file %w", err)
	}
	key, err := keyparse.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("ascjwt: key file %s: %w", path, err)
	}
	return key, nil
}

// ContextSigner is a [crypto.Signer] that also takes a context, as clients of
// remote key services (AWS KMS, Google Cloud KMS, Vault) do. When
// [Config].PrivateKey implements it, the token source signs through SignContext
// with a context that carries the values of the request that needed the
// token but not its cancellation: one impatient caller does not abort a
// signature that other callers are waiting for. The context ends after 30
// seconds; a signature by any key outside the process fails then, whether
// or not the signer takes a context, so that a hung remote call cannot hold
// every caller.
type ContextSigner interface {
	crypto.Signer
	// SignContext is [crypto.Signer]'s Sign with a context: for ES256, digest
	// is a SHA-256 hash and the result an ASN.1 DER ECDSA signature.
	SignContext(ctx context.Context, rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error)
}
