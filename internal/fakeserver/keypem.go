package fakeserver

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
)

// KeyPEM returns key as the contents of an Apple .p8 file (PKCS #8 in a
// "PRIVATE KEY" block): what each fake's Key.PEM gives a test to write where
// code under test loads its key from.
func KeyPEM(key *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic("fakeserver: encode key: " + err.Error()) // a P-256 key always encodes
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}
