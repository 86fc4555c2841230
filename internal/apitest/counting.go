package apitest

import (
	"crypto"
	"io"
	"sync/atomic"
)

// CountingSigner is a key outside the process as the tests see one: it signs
// with Key through the plain crypto.Signer interface (so that go-jose signs
// through its OpaqueSigner, not with the key it could read) and counts the
// signatures it made in N. Before, when set, runs at the start of each Sign:
// tests use it to hold a signature open, fail it or panic in it; a signature
// it fails is not counted.
type CountingSigner struct {
	Key    crypto.Signer
	N      atomic.Int64
	Before func() error
}

// Public returns Key's public half.
func (s *CountingSigner) Public() crypto.PublicKey { return s.Key.Public() }

// Sign runs Before, then signs with Key and counts the signature.
func (s *CountingSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if s.Before != nil {
		if err := s.Before(); err != nil {
			return nil, err
		}
	}
	s.N.Add(1)
	return s.Key.Sign(r, digest, opts)
}
