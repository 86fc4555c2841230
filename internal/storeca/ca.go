// Package storeca is a certificate authority that signs the way the App
// Store signs: a root, an intermediate with Apple's WWDR OID and a leaf
// with Apple's receipt signing OID, ES256 JWS with the chain in x5c, and an
// OCSP responder for the chain. appstore/appstoretest presents it to users;
// asctest signs its App Store Server API answers with it.
package storeca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Apple's certificate extensions, which appstore's verifier requires: on
// the leaf the receipt signing OID, on the intermediate the WWDR OID, each
// with an ASN.1 NULL value as Apple's certificates carry them.
var (
	oidReceiptSigning   = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 11, 1}
	oidWWDRIntermediate = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 2, 1}
	asn1Null            = []byte{0x05, 0x00}
)

// The test CA's validity: wide, so that a verifier with any clock a test
// sets, and any signedDate a payload carries, finds the chain valid. The
// broken chains' dates lie outside it.
var (
	validFrom  = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	validUntil = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Cert names a certificate of the chain, for [CA.Revoke].
type Cert int

// The certificates OCSP answers for. The root has no OCSP status: Apple's
// library asks about the leaf and the intermediate only.
const (
	Leaf Cert = iota
	Intermediate
)

// String names the certificate in a test's failure message.
func (c Cert) String() string {
	if c == Leaf {
		return "leaf"
	}
	return "intermediate"
}

// A CA signs the way the App Store signs: ES256 with a leaf certificate
// issued by an intermediate issued by a root, the three in the header's
// x5c, and Apple's OIDs on the leaf and the intermediate. Its root is a
// test root; give it to the verifier with [CA.Roots].
//
// The methods that return a broken chain (LeafWithoutOID, ExpiredLeaf, ...)
// return a new CA under the same root, so that one verifier checks both.
// A CA is safe for concurrent use.
type CA struct {
	family *family

	interKey *ecdsa.PrivateKey
	leafKey  *ecdsa.PrivateKey
	flaws    flaws

	mu           sync.Mutex
	intermediate *x509.Certificate // made on first use, to name the OCSP server if one is started
	leaf         *x509.Certificate
	revoked      [2]bool
}

// flaws is what a broken chain breaks.
type flaws struct {
	noLeafOID, noIntermediateOID bool
	leafFrom, leafUntil          time.Time // zero: the CA's validity
	chainOfTwo                   bool
	leafFromRoot                 bool // the root issues the leaf, past the intermediate
}

// family is what the CAs under one root share: the root, the serial
// numbers they issued and the OCSP server that answers for them.
type family struct {
	root    *x509.Certificate
	rootKey *ecdsa.PrivateKey

	mu       sync.Mutex
	cas      []*CA             // every CA under the root, to reissue when the OCSP server starts
	issued   map[string]issued // by serial number
	ocsp     *httptest.Server
	requests int
}

// issued is who issued a serial number, and as which certificate.
type issued struct {
	ca   *CA
	cert Cert
}

// New returns a CA with a new root (ECDSA P-384, like Apple Root CA -
// G3), intermediate (P-384) and leaf (P-256, which ES256 signs with), all
// in memory.
func New() *CA {
	rootKey := newKey(elliptic.P384())
	tmpl := caTemplate("appstoretest Root CA")
	root := mustCreate(tmpl, tmpl, &rootKey.PublicKey, rootKey)
	f := &family{root: root, rootKey: rootKey, issued: make(map[string]issued)}
	return f.newCA(flaws{})
}

func (f *family) newCA(fl flaws) *CA {
	ca := &CA{family: f, interKey: newKey(elliptic.P384()), leafKey: newKey(elliptic.P256()), flaws: fl}
	f.mu.Lock()
	f.cas = append(f.cas, ca)
	f.mu.Unlock()
	return ca
}

// Roots returns the test root, for appstore.VerifierConfig.Roots.
func (ca *CA) Roots() []*x509.Certificate {
	return []*x509.Certificate{ca.family.root}
}

// RootPEM returns the test root in PEM, for other languages' verifiers
// (Apple's App Store Server Library takes it as DER: decode the PEM block)
// and for `ascjwt verify --root`.
func (ca *CA) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.family.root.Raw})
}

// Chain returns the certificates Sign puts in x5c, leaf first: three, or
// two for [CA.ChainOfTwo].
func (ca *CA) Chain() []*x509.Certificate {
	leaf, intermediate := ca.certs()
	if ca.flaws.chainOfTwo {
		return []*x509.Certificate{leaf, intermediate}
	}
	return []*x509.Certificate{leaf, intermediate, ca.family.root}
}

// LeafKey returns the leaf's private key, for tests that build a JWS of
// their own with the chain from [CA.Chain].
func (ca *CA) LeafKey() *ecdsa.PrivateKey { return ca.leafKey }

// Sign signs payload, JSON, as the App Store does: a compact JWS with the
// header {"alg":"ES256","x5c":[leaf, intermediate, root]}.
func (ca *CA) Sign(payload []byte) (string, error) {
	x5c := make([]string, 0, 3)
	for _, c := range ca.Chain() {
		x5c = append(x5c, base64.StdEncoding.EncodeToString(c.Raw))
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: ca.leafKey},
		(&jose.SignerOptions{}).WithHeader("x5c", x5c))
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// Revoke makes the OCSP server answer that this CA's leaf or intermediate
// certificate is revoked.
func (ca *CA) Revoke(which Cert) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.revoked[which] = true
}

// The broken chains, each a new CA under the same root.

// with returns a new CA under the same root with ca's flaws and those
// flaw adds.
func (ca *CA) with(flaw func(*flaws)) *CA {
	fl := ca.flaws
	flaw(&fl)
	return ca.family.newCA(fl)
}

// LeafWithoutOID returns a CA whose leaf lacks Apple's receipt signing
// OID (the verifier's ErrVerification).
func (ca *CA) LeafWithoutOID() *CA {
	return ca.with(func(fl *flaws) { fl.noLeafOID = true })
}

// IntermediateWithoutOID returns a CA whose intermediate lacks Apple's
// WWDR OID (ErrVerification).
func (ca *CA) IntermediateWithoutOID() *CA {
	return ca.with(func(fl *flaws) { fl.noIntermediateOID = true })
}

// ExpiredLeaf returns a CA whose leaf expired in 2001, before any date a
// test signs at (ErrInvalidCertificate), though it was valid in 2000.
func (ca *CA) ExpiredLeaf() *CA {
	return ca.LeafValidBetween(validFrom, validFrom.AddDate(1, 0, 0))
}

// LeafNotYetValid returns a CA whose leaf is valid only from 2099
// (ErrInvalidCertificate).
func (ca *CA) LeafNotYetValid() *CA {
	return ca.LeafValidBetween(validUntil.AddDate(-1, 0, 0), validUntil)
}

// LeafValidBetween returns a CA whose leaf is valid from notBefore to
// notAfter, for tests at the edges of its validity.
func (ca *CA) LeafValidBetween(notBefore, notAfter time.Time) *CA {
	return ca.with(func(fl *flaws) { fl.leafFrom, fl.leafUntil = notBefore, notAfter })
}

// ChainOfTwo returns a CA whose x5c holds the leaf and the intermediate
// but not the root (ErrInvalidChainLength).
func (ca *CA) ChainOfTwo() *CA {
	return ca.with(func(fl *flaws) { fl.chainOfTwo = true })
}

// LeafIssuedByRoot returns a CA whose leaf the root issued itself, with
// the intermediate beside it in x5c all the same (ErrInvalidChain: the
// path does not pass through the intermediate, whose OID vouches for
// nothing).
func (ca *CA) LeafIssuedByRoot() *CA {
	return ca.with(func(fl *flaws) { fl.leafFromRoot = true })
}

// certs returns the intermediate and the leaf, issuing them on first use.
func (ca *CA) certs() (leaf, intermediate *x509.Certificate) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.leaf != nil {
		return ca.leaf, ca.intermediate
	}
	f := ca.family
	ocspURL := f.ocspURL()

	tmpl := caTemplate("appstoretest Worldwide Developer Relations CA")
	tmpl.MaxPathLenZero = true
	if !ca.flaws.noIntermediateOID {
		tmpl.ExtraExtensions = []pkix.Extension{{Id: oidWWDRIntermediate, Value: asn1Null}}
	}
	if ocspURL != "" {
		tmpl.OCSPServer = []string{ocspURL}
	}
	ca.intermediate = mustCreate(tmpl, f.root, &ca.interKey.PublicKey, f.rootKey)

	tmpl = template("appstoretest Receipt Signing")
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	if !ca.flaws.leafFrom.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = ca.flaws.leafFrom, ca.flaws.leafUntil
	}
	if !ca.flaws.noLeafOID {
		tmpl.ExtraExtensions = []pkix.Extension{{Id: oidReceiptSigning, Value: asn1Null}}
	}
	if ocspURL != "" {
		tmpl.OCSPServer = []string{ocspURL}
	}
	issuer, issuerKey := ca.intermediate, ca.interKey
	if ca.flaws.leafFromRoot {
		issuer, issuerKey = f.root, f.rootKey
	}
	ca.leaf = mustCreate(tmpl, issuer, &ca.leafKey.PublicKey, issuerKey)

	f.mu.Lock()
	f.issued[ca.intermediate.SerialNumber.String()] = issued{ca, Intermediate}
	f.issued[ca.leaf.SerialNumber.String()] = issued{ca, Leaf}
	f.mu.Unlock()
	return ca.leaf, ca.intermediate
}

// template is a certificate of the test CA's: a new serial number, the
// CA's validity and basic constraints.
func template(commonName string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          newSerial(),
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"appstoretest"}},
		NotBefore:             validFrom,
		NotAfter:              validUntil,
		BasicConstraintsValid: true,
	}
}

// caTemplate is a template for a certificate that issues others.
func caTemplate(commonName string) *x509.Certificate {
	tmpl := template(commonName)
	tmpl.IsCA = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	return tmpl
}

func newKey(c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		panic("storeca: generate a key: " + err.Error()) // crypto/rand does not fail
	}
	return k
}

func newSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic("storeca: " + err.Error())
	}
	return n.Add(n, big.NewInt(1))
}

func mustCreate(tmpl, parent *x509.Certificate, pub, priv any) *x509.Certificate {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, priv)
	if err != nil {
		panic("storeca: create a certificate: " + err.Error()) // the templates are fixed
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic("storeca: " + err.Error())
	}
	return c
}
