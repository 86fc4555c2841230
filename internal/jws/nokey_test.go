package jws

import (
	"crypto"
	"crypto/ecdsa"
	"io"
	"strings"
	"testing"
)

// nilPublic is a signer whose Public() is a nil *ecdsa.PublicKey.
type nilPublic struct{}

func (nilPublic) Public() crypto.PublicKey                                  { return (*ecdsa.PublicKey)(nil) }
func (nilPublic) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return nil, nil }

// noPublic is a signer whose Public() is a nil interface.
type noPublic struct{}

func (noPublic) Public() crypto.PublicKey                                  { return nil }
func (noPublic) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return nil, nil }

// kmsKey is a signer whose methods reach through a client it does not hold.
type kmsKey struct {
	client *struct{ pub crypto.PublicKey }
}

func (k *kmsKey) Public() crypto.PublicKey                                  { return k.client.pub }
func (k *kmsKey) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return nil, nil }

// TestMissingKeyInEveryFormIsNoPrivateKey: whatever shape "no key" takes
// inside the interface, CheckKey and the signer constructors refuse it with
// the "no private key" error instead of panicking.
func TestMissingKeyInEveryFormIsNoPrivateKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  crypto.Signer
	}{
		{"nil interface", nil},
		{"nil *ecdsa.PrivateKey", (*ecdsa.PrivateKey)(nil)},
		{"nil pointer of a signer type", (*kmsKey)(nil)},
		{"Public() is a nil *ecdsa.PublicKey", nilPublic{}},
		{"Public() is nil", noPublic{}},
		{"Public() panics", &kmsKey{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckKey(tc.key); err == nil || !strings.HasPrefix(err.Error(), "no private key") {
				t.Errorf("CheckKey = %v, want the no private key error", err)
			}
			if _, err := NewSignerWith(tc.key, "K", Header{}); err == nil || !strings.HasPrefix(err.Error(), "no private key") {
				t.Errorf("NewSignerWith = %v, want the no private key error", err)
			}
		})
	}
}
