package apns

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
)

func mustKey(tb interface{ Fatal(...any) }) *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return key
}
