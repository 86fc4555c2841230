package appstoretest

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/internal/storeca"
)

// Cert names a certificate of the chain, for [CA.Revoke].
type Cert = storeca.Cert

// The certificates OCSP answers for. The root has no OCSP status: Apple's
// library asks about the leaf and the intermediate only.
const (
	Leaf         = storeca.Leaf
	Intermediate = storeca.Intermediate
)

// A CA signs the way the App Store signs: ES256 with a leaf certificate
// (ECDSA P-256) issued by an intermediate issued by a root (both P-384,
// like Apple Root CA - G3), the three in the header's x5c, and Apple's OIDs
// on the leaf and the intermediate, each with the NULL value Apple's
// certificates carry. Its root is a test root; give it to the verifier
// with [CA.Roots]. The certificates are valid from 2000 to 2100, so that a
// verifier with any clock a test sets, and any signedDate a payload
// carries, finds them valid; the broken chains' dates lie outside.
//
// The methods that return a broken chain (LeafWithoutOID, ExpiredLeaf, ...)
// return a new CA under the same root, so that one verifier checks both.
// A CA is safe for concurrent use.
type CA struct{ ca *storeca.CA }

// NewCA returns a CA with a new root, intermediate and leaf, all in memory.
func NewCA() *CA { return &CA{storeca.New()} }

// Roots returns the test root, for appstore.VerifierConfig.Roots.
func (ca *CA) Roots() []*x509.Certificate { return ca.ca.Roots() }

// RootPEM returns the test root in PEM, for other languages' verifiers
// (Apple's App Store Server Library takes it as DER: decode the PEM block)
// and for `ascjwt verify --root`.
func (ca *CA) RootPEM() []byte { return ca.ca.RootPEM() }

// Chain returns the certificates Sign puts in x5c, leaf first: three, or
// two for [CA.ChainOfTwo].
func (ca *CA) Chain() []*x509.Certificate { return ca.ca.Chain() }

// LeafKey returns the leaf's private key, for tests that build a JWS of
// their own with the chain from [CA.Chain].
func (ca *CA) LeafKey() *ecdsa.PrivateKey { return ca.ca.LeafKey() }

// Sign signs claims as the App Store does: a compact JWS with the header
// {"alg":"ES256","x5c":[leaf, intermediate, root]}. claims is any value
// encoding/json encodes to the payload, such as an appstore.Transaction, a
// map, or a json.RawMessage used as it is.
func (ca *CA) Sign(claims any) (string, error) {
	payload, ok := claims.(json.RawMessage)
	if !ok {
		var err error
		if payload, err = json.Marshal(claims); err != nil {
			return "", fmt.Errorf("appstoretest: encode the claims: %w", err)
		}
	}
	s, err := ca.ca.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("appstoretest: %w", err)
	}
	return s, nil
}

// SignNotification signs n as a notification, after signing what it
// carries decoded: Data.Transaction and Data.RenewalInfo become
// signedTransactionInfo and signedRenewalInfo, and AppData.AppTransaction
// signedAppTransactionInfo, where those strings are empty. n is not
// changed.
func (ca *CA) SignNotification(n appstore.Notification) (string, error) {
	if n.Data != nil {
		d := *n.Data
		if err := signInto(ca, &d.SignedTransactionInfo, d.Transaction); err != nil {
			return "", err
		}
		if err := signInto(ca, &d.SignedRenewalInfo, d.RenewalInfo); err != nil {
			return "", err
		}
		n.Data = &d
	}
	if n.AppData != nil {
		a := *n.AppData
		if err := signInto(ca, &a.SignedAppTransactionInfo, a.AppTransaction); err != nil {
			return "", err
		}
		n.AppData = &a
	}
	return ca.Sign(n)
}

// signInto signs v into *s, unless v is a nil pointer or *s is set.
func signInto[T any](ca *CA, s *string, v *T) error {
	if v == nil || *s != "" {
		return nil
	}
	signed, err := ca.Sign(v)
	*s = signed
	return err
}

// Revoke makes the OCSP server answer that this CA's leaf or intermediate
// certificate is revoked.
func (ca *CA) Revoke(which Cert) {
	if which != Leaf && which != Intermediate {
		panic(fmt.Sprintf("appstoretest: Revoke(%d): only Leaf and Intermediate have an OCSP status", int(which)))
	}
	ca.ca.Revoke(which)
}

// OCSPServer returns the OCSP responder of this CA's root, started on
// loopback on first call, for verifiers with OnlineChecks on. From then on
// the leaf and intermediate certificates of every CA under the root name
// it (they are issued again, with the same keys, if they were issued
// before), so start it before signing. Close it when the test ends.
//
// It answers good, or revoked after [CA.Revoke], for each leaf and
// intermediate under the root, signed by the certificate's issuer, with
// thisUpdate at the certificate's issue and no nextUpdate, so that a
// verifier with any clock takes the answer as current.
func (ca *CA) OCSPServer() *httptest.Server { return ca.ca.OCSPServer() }

// OCSPRequests reports how many OCSP requests the server has answered, for
// tests of a verifier's chain cache.
func (ca *CA) OCSPRequests() int { return ca.ca.OCSPRequests() }

// The broken chains, each a new CA under the same root.

// LeafWithoutOID returns a CA whose leaf lacks Apple's receipt signing
// OID (the verifier's ErrVerification).
func (ca *CA) LeafWithoutOID() *CA { return &CA{ca.ca.LeafWithoutOID()} }

// IntermediateWithoutOID returns a CA whose intermediate lacks Apple's
// WWDR OID (ErrVerification).
func (ca *CA) IntermediateWithoutOID() *CA { return &CA{ca.ca.IntermediateWithoutOID()} }

// ExpiredLeaf returns a CA whose leaf expired in 2001, before any date a
// test signs at (ErrInvalidCertificate), though it was valid in 2000.
func (ca *CA) ExpiredLeaf() *CA { return &CA{ca.ca.ExpiredLeaf()} }

// LeafNotYetValid returns a CA whose leaf is valid only from 2099
// (ErrInvalidCertificate).
func (ca *CA) LeafNotYetValid() *CA { return &CA{ca.ca.LeafNotYetValid()} }

// LeafValidBetween returns a CA whose leaf is valid from notBefore to
// notAfter, for tests at the edges of its validity.
func (ca *CA) LeafValidBetween(notBefore, notAfter time.Time) *CA {
	return &CA{ca.ca.LeafValidBetween(notBefore, notAfter)}
}

// ChainOfTwo returns a CA whose x5c holds the leaf and the intermediate
// but not the root (ErrInvalidChainLength).
func (ca *CA) ChainOfTwo() *CA { return &CA{ca.ca.ChainOfTwo()} }
