package appstoretest_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"go.uber.org/goleak"
	"golang.org/x/crypto/ocsp"

	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/appstore/appstoretest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	oidReceiptSigning   = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 11, 1}
	oidWWDRIntermediate = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 2, 1}
)

// TestSignMakesWhatTheAppStoreMakes checks Sign's output without package
// appstore: go-jose verifies the signature, crypto/x509 the chain.
func TestSignMakesWhatTheAppStoreMakes(t *testing.T) {
	ca := appstoretest.NewCA()
	signed, err := ca.Sign(map[string]any{"bundleId": "com.example.app", "price": 990})
	if err != nil {
		t.Fatal(err)
	}
	header := decodeHeader(t, signed)
	if len(header) != 2 || string(header["alg"]) != `"ES256"` {
		t.Errorf("header %s; want only alg ES256 and x5c, as Apple's", header)
	}
	var x5c []string
	if err := json.Unmarshal(header["x5c"], &x5c); err != nil || len(x5c) != 3 {
		t.Fatalf("x5c %s, %v; want three certificates", header["x5c"], err)
	}
	var chain []*x509.Certificate
	for i, s := range x5c {
		der, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil {
			t.Fatalf("x5c[%d] is not standard base64: %v", i, err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, c)
	}
	leaf, intermediate, root := chain[0], chain[1], chain[2]
	if !root.Equal(ca.Roots()[0]) {
		t.Error("x5c[2] is not the root Roots returns")
	}

	jws, err := jose.ParseSignedCompact(signed, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := jws.Verify(leaf.PublicKey)
	if err != nil {
		t.Fatalf("go-jose: the signature does not verify with x5c[0]'s key: %v", err)
	}
	if string(payload) != `{"bundleId":"com.example.app","price":990}` {
		t.Errorf("payload %s", payload)
	}

	pool := x509.NewCertPool()
	pool.AddCert(ca.Roots()[0])
	inter := x509.NewCertPool()
	inter.AddCert(intermediate)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("the chain does not verify to Roots: %v", err)
	}
	for _, c := range []struct {
		cert  *x509.Certificate
		oid   asn1.ObjectIdentifier
		curve elliptic.Curve
	}{{leaf, oidReceiptSigning, elliptic.P256()}, {intermediate, oidWWDRIntermediate, elliptic.P384()}, {root, nil, elliptic.P384()}} {
		if c.oid != nil && !hasNullExtension(c.cert, c.oid) {
			t.Errorf("%s lacks %v with a NULL value", c.cert.Subject.CommonName, c.oid)
		}
		if k, ok := c.cert.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != c.curve {
			t.Errorf("%s's key is not on %s", c.cert.Subject.CommonName, c.curve.Params().Name)
		}
	}
	if !intermediate.IsCA || leaf.IsCA || leaf.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Error("the intermediate is not a CA, or the leaf is, or signs more than signatures")
	}
	if !reflect.DeepEqual(ca.Chain(), chain) {
		t.Error("Chain() is not the chain in x5c")
	}
}

func TestBrokenChainsBreakOneThingEach(t *testing.T) {
	ca := appstoretest.NewCA()
	check := func(name string, bad *appstoretest.CA, want func(chain []*x509.Certificate) bool) {
		t.Helper()
		chain := bad.Chain()
		if chain[0].CheckSignatureFrom(chain[1]) != nil || chain[1].CheckSignatureFrom(ca.Roots()[0]) != nil {
			t.Errorf("%s: not under the same root", name)
		}
		if !want(chain) {
			t.Errorf("%s: not broken as it says", name)
		}
	}
	check("LeafWithoutOID", ca.LeafWithoutOID(), func(c []*x509.Certificate) bool {
		return !hasNullExtension(c[0], oidReceiptSigning) && hasNullExtension(c[1], oidWWDRIntermediate)
	})
	check("IntermediateWithoutOID", ca.IntermediateWithoutOID(), func(c []*x509.Certificate) bool {
		return hasNullExtension(c[0], oidReceiptSigning) && !hasNullExtension(c[1], oidWWDRIntermediate)
	})
	now := time.Now()
	check("ExpiredLeaf", ca.ExpiredLeaf(), func(c []*x509.Certificate) bool { return c[0].NotAfter.Before(now) && c[1].NotAfter.After(now) })
	check("LeafNotYetValid", ca.LeafNotYetValid(), func(c []*x509.Certificate) bool { return c[0].NotBefore.After(now) })
	from, until := now.Add(-time.Hour).Truncate(time.Second), now.Add(time.Hour).Truncate(time.Second)
	check("LeafValidBetween", ca.LeafValidBetween(from, until), func(c []*x509.Certificate) bool {
		return c[0].NotBefore.Equal(from) && c[0].NotAfter.Equal(until)
	})
	two := ca.ChainOfTwo()
	signed, err := two.Sign(map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	var x5c []string
	json.Unmarshal(decodeHeader(t, signed)["x5c"], &x5c)
	if len(x5c) != 2 || len(two.Chain()) != 2 {
		t.Errorf("ChainOfTwo signs with %d certificates", len(x5c))
	}
}

// TestOCSPServerAnswersForTheChain asks the responder with x/crypto's
// OCSP client, as any verifier would.
func TestOCSPServerAnswersForTheChain(t *testing.T) {
	ca := appstoretest.NewCA()
	srv := ca.OCSPServer()
	defer srv.Close()
	if ca.OCSPServer() != srv {
		t.Error("a second call starts a second server")
	}
	chain := ca.Chain()
	ask := func(which appstoretest.Cert) int {
		cert, issuer := chain[which], chain[which+1]
		if len(cert.OCSPServer) != 1 || !strings.HasPrefix(cert.OCSPServer[0], srv.URL) {
			t.Fatalf("the %s names OCSP responders %v, not %s", which, cert.OCSPServer, srv.URL)
		}
		req, err := ocsp.CreateRequest(cert, issuer, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(cert.OCSPServer[0], "application/ocsp-request", bytes.NewReader(req))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		der, _ := io.ReadAll(resp.Body)
		r, err := ocsp.ParseResponseForCert(der, cert, issuer)
		if err != nil {
			t.Fatalf("%s: %v", which, err)
		}
		return r.Status
	}
	for _, which := range []appstoretest.Cert{appstoretest.Leaf, appstoretest.Intermediate} {
		if got := ask(which); got != ocsp.Good {
			t.Errorf("%s: status %d; want good", which, got)
		}
		ca.Revoke(which)
		if got := ask(which); got != ocsp.Revoked {
			t.Errorf("%s after Revoke: status %d; want revoked", which, got)
		}
	}
	if got := ca.OCSPRequests(); got != 4 {
		t.Errorf("OCSPRequests() = %d; want 4", got)
	}
}

func TestSignNotificationSignsWhatItCarries(t *testing.T) {
	ca := appstoretest.NewCA()
	tx := &appstore.Transaction{TransactionID: "1", BundleID: "com.example.app", Environment: appstore.Sandbox}
	n := appstore.Notification{NotificationType: appstore.NotificationDidRenew, Data: &appstore.NotificationData{BundleID: "com.example.app", Transaction: tx}}
	signed, err := ca.SignNotification(n)
	if err != nil {
		t.Fatal(err)
	}
	if n.Data.SignedTransactionInfo != "" {
		t.Error("SignNotification changed its argument")
	}
	jws, _ := jose.ParseSignedCompact(signed, []jose.SignatureAlgorithm{jose.ES256})
	payload, err := jws.Verify(ca.Chain()[0].PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Data struct{ SignedTransactionInfo, SignedRenewalInfo string }
	}
	json.Unmarshal(payload, &got)
	if got.Data.SignedRenewalInfo != "" {
		t.Error("a renewal info was signed that the notification does not carry")
	}
	inner, err := jose.ParseSignedCompact(got.Data.SignedTransactionInfo, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	txPayload, err := inner.Verify(ca.Chain()[0].PublicKey)
	if err != nil || string(txPayload) != `{"transactionId":"1","bundleId":"com.example.app","environment":"Sandbox"}` {
		t.Errorf("signedTransactionInfo payload %s, %v", txPayload, err)
	}
}

func TestPostDeliversAsTheAppStoreDoes(t *testing.T) {
	var got struct {
		method, contentType string
		body                []byte
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.method, got.contentType = r.Method, r.Header.Get("Content-Type")
		got.body, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "thanks")
	}))
	defer srv.Close()
	resp, err := appstoretest.Post(context.Background(), srv.Client(), srv.URL+"/notifications", "a.b.c")
	if err != nil {
		t.Fatal(err)
	}
	if got.method != http.MethodPost || got.contentType != "application/json" || string(got.body) != `{"signedPayload":"a.b.c"}` {
		t.Errorf("delivered %s %s %s", got.method, got.contentType, got.body)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted || string(b) != "thanks" {
		t.Errorf("response %d %s", resp.StatusCode, b)
	}
}

func decodeHeader(t *testing.T, signed string) map[string]json.RawMessage {
	t.Helper()
	h, _, _ := strings.Cut(signed, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func hasNullExtension(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return !e.Critical && bytes.Equal(e.Value, []byte{0x05, 0x00})
		}
	}
	return false
}
