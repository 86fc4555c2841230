package storeca

import (
	"crypto"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"golang.org/x/crypto/ocsp"
)

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
func (ca *CA) OCSPServer() *httptest.Server {
	f := ca.family
	f.mu.Lock()
	if f.ocsp != nil {
		defer f.mu.Unlock()
		return f.ocsp
	}
	f.ocsp = httptest.NewServer(http.HandlerFunc(f.answerOCSP))
	cas := f.cas
	f.mu.Unlock()
	for _, c := range cas {
		c.mu.Lock()
		c.leaf, c.intermediate = nil, nil
		c.mu.Unlock()
	}
	return f.ocsp
}

// OCSPRequests reports how many OCSP requests the server has answered, for
// tests of a verifier's chain cache.
func (ca *CA) OCSPRequests() int {
	f := ca.family
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

func (f *family) ocspURL() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ocsp == nil {
		return ""
	}
	return f.ocsp.URL + "/ocsp"
}

// answerOCSP answers one OCSP request (RFC 6960), sent by POST as Apple's
// libraries send it.
func (f *family) answerOCSP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "storeca: OCSP requests are POSTed here", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return
	}
	f.mu.Lock()
	f.requests++
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/ocsp-response")
	req, err := ocsp.ParseRequest(body)
	if err != nil {
		w.Write(ocsp.MalformedRequestErrorResponse)
		return
	}
	f.mu.Lock()
	who, ok := f.issued[req.SerialNumber.String()]
	f.mu.Unlock()
	if !ok {
		w.Write(ocsp.UnauthorizedErrorResponse) // not one of ours
		return
	}
	who.ca.mu.Lock()
	cert, issuer, key := who.ca.leaf, who.ca.intermediate, crypto.Signer(who.ca.interKey)
	if who.cert == Intermediate {
		cert, issuer, key = who.ca.intermediate, f.root, f.rootKey
	}
	revoked := who.ca.revoked[who.cert]
	who.ca.mu.Unlock()
	if cert == nil || cert.SerialNumber.Cmp(req.SerialNumber) != 0 {
		w.Write(ocsp.UnauthorizedErrorResponse) // issued before the server started, and replaced
		return
	}
	tmpl := ocsp.Response{
		Status:       ocsp.Good,
		SerialNumber: req.SerialNumber,
		ThisUpdate:   cert.NotBefore,
		IssuerHash:   req.HashAlgorithm,
	}
	if revoked {
		tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, cert.NotBefore.Add(time.Second), ocsp.KeyCompromise
	}
	der, err := ocsp.CreateResponse(issuer, issuer, tmpl, key)
	if err != nil {
		w.Write(ocsp.InternalErrorErrorResponse)
		return
	}
	w.Write(der)
}
