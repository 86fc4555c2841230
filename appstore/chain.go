package appstore

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The extensions Apple's certificates carry and Apple's library requires:
// the leaf is a Mac App Store and iTunes Store receipt signing certificate,
// the intermediate an Apple Worldwide Developer Relations CA.
var (
	oidReceiptSigning   = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 11, 1}
	oidWWDRIntermediate = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 2, 1}
)

// chainNames names the certificates of a path, for errors.
var chainNames = [3]string{"leaf", "intermediate", "root"}

// A verifiedChain is what checking a header's x5c chain found: the
// leaf's key and when each certificate of the path to the root is valid.
// It does not depend on the payload, so one serves every payload signed
// with the same header until it expires.
type verifiedChain struct {
	key      any  // the leaf's public key
	es256    bool // whether the header's alg is ES256
	validity [3]struct{ notBefore, notAfter time.Time }
	expires  time.Time // on the verifier's clock
}

// chain returns the verified chain for a header: from the cache, or by
// checking it now. Online, concurrent callers with one new header share one
// check, so that a burst of notifications costs one OCSP round trip.
func (v *Verifier) chain(ctx context.Context, header string) (*verifiedChain, error) {
	if ch := v.chains.get(header, v.now()); ch != nil {
		return ch, nil
	}
	if !v.online {
		ch, err := v.verifyChain(ctx, header)
		if err != nil {
			return nil, err
		}
		v.chains.put(header, ch, v.now())
		return ch, nil
	}
	done := v.flight.DoChan(header, func() (any, error) {
		// The check outlives a caller that gives up, for the others
		// waiting on it, but no longer than one OCSP timeout.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ocspTimeout)
		defer cancel()
		ch, err := v.verifyChain(ctx, header)
		if err != nil {
			return nil, err
		}
		v.chains.put(header, ch, v.now())
		return ch, nil
	})
	select {
	case r := <-done:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*verifiedChain), nil
	case <-ctx.Done():
		return nil, refuseWith(StatusRetryable, "its certificates' online checks did not finish before the context was done; try again", ctx.Err())
	}
}

// verifyChain checks a header's chain in Apple's order: the certificates
// parse, carry Apple's OIDs and lead to a root; online, neither the leaf
// nor the intermediate is revoked. Whether the chain is valid at the
// payload's time is the caller's check, on the validity kept here.
func (v *Verifier) verifyChain(ctx context.Context, segment string) (*verifiedChain, error) {
	h, err := decodeHeader(segment)
	if err != nil {
		return nil, err
	}
	certs, err := parseX5C(h.X5C)
	if err != nil {
		return nil, err
	}
	leaf, intermediate := certs[0], certs[1]
	if !hasExtension(leaf, oidReceiptSigning) {
		return nil, refuse(StatusVerificationFailure, "its leaf certificate lacks Apple's receipt signing extension (OID 1.2.840.113635.100.6.11.1), so the App Store did not sign it")
	}
	if !hasExtension(intermediate, oidWWDRIntermediate) {
		return nil, refuse(StatusVerificationFailure, "its intermediate certificate lacks Apple's WWDR extension (OID 1.2.840.113635.100.6.2.1), so the App Store did not sign it")
	}

	// crypto/x509 checks the path at one moment. Which moment is the
	// payload's business (its signedDate, or now), checked on every call;
	// the path is checked once, at a moment when both certificates the
	// payload brings are valid, so that a chain that does not lead to a
	// root says so whatever the date, as Apple's library does.
	at := later(leaf.NotBefore, intermediate.NotBefore)
	if at.After(leaf.NotAfter) || at.After(intermediate.NotAfter) {
		return nil, refuse(StatusInvalidCertificate, "its leaf and intermediate certificates are never valid at the same time")
	}
	intermediates := x509.NewCertPool()
	intermediates.AddCert(intermediate)
	paths, err := leaf.Verify(x509.VerifyOptions{
		Roots:         v.roots,
		Intermediates: intermediates,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny}, // Apple's leaf names no extended key usage
	})
	var invalid x509.CertificateInvalidError
	if errors.As(err, &invalid) && invalid.Reason == x509.Expired {
		return nil, refuse(StatusInvalidCertificate, "its root certificate is not valid while its leaf and intermediate certificates are")
	}
	if err != nil {
		return nil, refuseWith(StatusInvalidChain, "its certificate chain does not lead to one of the verifier's roots (by default Apple Root CA - G3)", err)
	}
	var path []*x509.Certificate
	for _, p := range paths {
		if len(p) == 3 && p[1].Equal(intermediate) {
			path = p
			break
		}
	}
	if path == nil {
		return nil, refuse(StatusInvalidChain, "its leaf certificate leads to a root other than through its own intermediate certificate")
	}

	ch := &verifiedChain{key: leaf.PublicKey, es256: isES256(h.Alg)}
	for i, c := range path {
		ch.validity[i].notBefore, ch.validity[i].notAfter = c.NotBefore, c.NotAfter
	}
	if v.online {
		if err := ch.validAt(v.now(), "now"); err != nil {
			return nil, err
		}
		if err := v.checkRevocation(ctx, path); err != nil {
			return nil, err
		}
	}
	return ch, nil
}

// validAt checks that every certificate of the path is valid at t, which
// when names for the error.
func (ch *verifiedChain) validAt(t time.Time, when string) error {
	for i, c := range ch.validity {
		if t.Before(c.notBefore) {
			return refuse(StatusInvalidCertificate, fmt.Sprintf("its %s certificate is not valid yet at %s", chainNames[i], when))
		}
		if t.After(c.notAfter) {
			return refuse(StatusInvalidCertificate, fmt.Sprintf("its %s certificate had expired by %s", chainNames[i], when))
		}
	}
	return nil
}

// parseX5C reads the header's x5c: exactly three certificates (leaf,
// intermediate, root), each standard base64 of DER (RFC 7515, section
// 4.1.6). The third is parsed but never trusted: trust comes from the
// verifier's roots.
func parseX5C(raw json.RawMessage) ([3]*x509.Certificate, error) {
	var certs [3]*x509.Certificate
	if len(raw) == 0 || string(raw) == "null" {
		return certs, refuse(StatusInvalidChainLength, "its header has no x5c certificate chain, which everything the App Store signs carries")
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return certs, refuse(StatusInvalidChainLength, "its header's x5c is not an array of certificates")
	}
	if len(list) != len(certs) {
		return certs, refuse(StatusInvalidChainLength, fmt.Sprintf("its header's x5c holds %d certificates, not the App Store's three (leaf, intermediate, root)", len(list)))
	}
	for i, item := range list {
		var s string
		if json.Unmarshal(item, &s) != nil {
			return certs, refuse(StatusInvalidCertificate, fmt.Sprintf("its header's x5c[%d] (the %s) is not a string", i, chainNames[i]))
		}
		der, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil {
			return certs, refuse(StatusInvalidCertificate, fmt.Sprintf("its header's x5c[%d] (the %s) is not standard base64", i, chainNames[i]))
		}
		if certs[i], err = x509.ParseCertificate(der); err != nil {
			return certs, refuseWith(StatusInvalidCertificate, fmt.Sprintf("its header's x5c[%d] (the %s) is not a DER certificate", i, chainNames[i]), err)
		}
	}
	return certs, nil
}

func hasExtension(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return true
		}
	}
	return false
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
