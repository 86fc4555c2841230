package appstore

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ascjwt/ascjwt/internal/respbody"
	"golang.org/x/crypto/ocsp"
	"golang.org/x/sync/errgroup"
)

const (
	// maxOCSPResponse bounds an OCSP response body: Apple's is under 2 KB;
	// Apple's Swift library reads at most 1 MB.
	maxOCSPResponse = 1 << 20

	// ocspClockSkew is how far an OCSP response's thisUpdate may be ahead
	// of the verifier's clock, and its nextUpdate behind: Apple's Node
	// library's MAX_SKEW, one minute.
	ocspClockSkew = time.Minute
)

// checkRevocation asks the OCSP responders of the leaf (about the
// intermediate's issuing) and of the intermediate (about the root's) whether
// either is revoked, both at once, as Apple's library does.
func (v *Verifier) checkRevocation(ctx context.Context, path []*x509.Certificate) error {
	g, ctx := errgroup.WithContext(ctx)
	for i := range 2 {
		g.Go(func() error { return v.checkOCSP(ctx, chainNames[i], path[i], path[i+1]) })
	}
	return g.Wait()
}

// checkOCSP asks the responder cert names whether cert is revoked.
func (v *Verifier) checkOCSP(ctx context.Context, name string, cert, issuer *x509.Certificate) error {
	if len(cert.OCSPServer) == 0 {
		return refuse(StatusInvalidCertificate, "its "+name+" certificate names no OCSP responder, so online checks cannot ask whether it is revoked")
	}
	der, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		return refuseWith(StatusVerificationFailure, "its "+name+" certificate cannot be put in an OCSP request", err)
	}
	ctx, cancel := context.WithTimeout(ctx, ocspTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cert.OCSPServer[0], bytes.NewReader(der))
	if err != nil {
		return refuseWith(StatusInvalidCertificate, "its "+name+" certificate's OCSP responder is not a URL", err)
	}
	req.Header.Set("Content-Type", "application/ocsp-request")
	req.Header.Set("Accept", "application/ocsp-response")
	resp, err := v.client.Do(req)
	if err != nil {
		return refuseWith(StatusRetryable, "its "+name+" certificate's OCSP responder could not be reached; try again later", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return refuse(StatusRetryable, fmt.Sprintf("its %s certificate's OCSP responder answered %s; try again later", name, respbody.Status(resp.StatusCode)))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxOCSPResponse+1))
	if err != nil {
		return refuseWith(StatusRetryable, "its "+name+" certificate's OCSP response was cut short; try again later", err)
	}
	if len(body) > maxOCSPResponse {
		return refuse(StatusVerificationFailure, fmt.Sprintf("its %s certificate's OCSP response is over %d bytes, which no OCSP response is", name, maxOCSPResponse))
	}

	r, err := ocsp.ParseResponseForCert(body, cert, issuer)
	var status ocsp.ResponseError
	if errors.As(err, &status) && (status.Status == ocsp.TryLater || status.Status == ocsp.InternalError) {
		return refuseWith(StatusRetryable, "its "+name+" certificate's OCSP responder cannot answer now; try again later", err)
	}
	if err != nil {
		return refuseWith(StatusVerificationFailure, "its "+name+" certificate's OCSP response is malformed or not signed by its issuer", err)
	}
	now := v.now()
	if r.Certificate != nil && !r.Certificate.Equal(issuer) {
		// A delegated responder: x/crypto checked that the issuer signed
		// its certificate; Apple's library also wants it to be for OCSP
		// signing, and valid now.
		if !hasExtKeyUsage(r.Certificate, x509.ExtKeyUsageOCSPSigning) {
			return refuse(StatusVerificationFailure, "its "+name+" certificate's OCSP response is signed by a certificate that is not for OCSP signing")
		}
		if now.Before(r.Certificate.NotBefore) || now.After(r.Certificate.NotAfter) {
			return refuse(StatusVerificationFailure, "its "+name+" certificate's OCSP response is signed by a certificate that is not valid now")
		}
	}
	if r.ThisUpdate.After(now.Add(ocspClockSkew)) || !r.NextUpdate.IsZero() && r.NextUpdate.Before(now.Add(-ocspClockSkew)) {
		return refuse(StatusVerificationFailure, "its "+name+" certificate's OCSP response is not current: check the clock")
	}
	switch r.Status {
	case ocsp.Good:
		return nil
	case ocsp.Revoked:
		return refuse(StatusInvalidCertificate, "its "+name+" certificate is revoked")
	}
	return refuse(StatusInvalidCertificate, "its "+name+" certificate is unknown to its OCSP responder")
}

func hasExtKeyUsage(c *x509.Certificate, u x509.ExtKeyUsage) bool {
	for _, k := range c.ExtKeyUsage {
		if k == u {
			return true
		}
	}
	return false
}
