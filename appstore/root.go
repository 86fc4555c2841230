package appstore

import (
	"bytes"
	"crypto/x509"
	_ "embed"
)

// appleRootCAG3 is Apple Root CA - G3 in DER, as Apple publishes it at
// https://www.apple.com/certificateauthority/. It is the root of every
// chain the App Store signs with; root_test.go checks its SHA-256
// fingerprint.
//
//go:embed AppleRootCA-G3.cer
var appleRootCAG3 []byte

// AppleRootCAG3 returns Apple Root CA - G3, the root the verifier trusts
// when VerifierConfig.Roots is nil. Each call returns a new copy, so a
// caller may append it to its own roots, for example to trust a test root
// beside Apple's.
func AppleRootCAG3() *x509.Certificate {
	c, err := x509.ParseCertificate(bytes.Clone(appleRootCAG3)) // Raw would share the package's bytes
	if err != nil {
		panic("appstore: the built-in Apple Root CA - G3 does not parse: " + err.Error()) // the bytes are fixed; root_test.go parses them
	}
	return c
}
