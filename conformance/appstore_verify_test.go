package conformance

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/appstore/appstoretest"
	"github.com/ascjwt/ascjwt/internal/jwsforge"
)

// verifyCase is one piece of signed data and the verifier both libraries
// check it with.
type verifyCase struct {
	Name        string `json:"name"`
	Method      string `json:"method"` // notification, transaction, renewalInfo, appTransaction, realtimeRequest
	Signed      string `json:"signed"`
	Environment string `json:"environment"`
	BundleID    string `json:"bundleId"`
	AppAppleID  int64  `json:"appAppleId,omitempty"`
	Expect      string `json:"expect,omitempty"` // Apple's verdict, as the Node script means it to be

	// Apple's verdict, filled in by the script.
	Status    string `json:"status,omitempty"`
	Cause     string `json:"cause,omitempty"`
	Effective string `json:"effective,omitempty"` // the cause if any, else the status
}

// runAppleVerifier has conformance/node/appstore_verify.js verify each case
// with Apple's SignedDataVerifier, trusting the DER roots, and returns the
// cases with Apple's verdicts filled in.
func runAppleVerifier(t *testing.T, roots [][]byte, cases []verifyCase) []verifyCase {
	t.Helper()
	var b64roots []string
	for _, r := range roots {
		b64roots = append(b64roots, base64.StdEncoding.EncodeToString(r))
	}
	var apple []verifyCase
	nodeScript{Package: appleLibrary, Args: []string{"appstore_verify.js", "verify"},
		Input: map[string]any{"roots": b64roots, "cases": cases}}.run(t, &apple)
	if len(apple) != len(cases) {
		t.Fatalf("Apple's verifier answered %d cases of %d", len(apple), len(cases))
	}
	return apple
}

// ours verifies c with package appstore, with the same configuration as
// Apple's verifier and online checks off, and returns "OK" or our status.
func ours(t *testing.T, roots []*x509.Certificate, c verifyCase) string {
	t.Helper()
	v, err := appstore.NewVerifier(appstore.VerifierConfig{
		BundleID: c.BundleID, AppAppleID: c.AppAppleID, Environment: appstore.Environment(c.Environment), Roots: roots,
	})
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	ctx := context.Background()
	switch c.Method {
	case "notification":
		_, err = v.VerifyNotification(ctx, c.Signed)
	case "transaction":
		_, err = v.VerifyTransaction(ctx, c.Signed)
	case "renewalInfo":
		_, err = v.VerifyRenewalInfo(ctx, c.Signed)
	case "appTransaction":
		_, err = v.VerifyAppTransaction(ctx, c.Signed)
	case "realtimeRequest":
		_, err = v.VerifyRealtimeRequest(ctx, c.Signed)
	default:
		t.Fatalf("%s: no method %s", c.Name, c.Method)
	}
	var ve *appstore.VerificationError
	switch {
	case err == nil:
		return "OK"
	case errors.As(err, &ve):
		return string(ve.Status)
	}
	t.Fatalf("%s: %v is not a *VerificationError", c.Name, err)
	return ""
}

// sameVerdict reports whether Apple's Node verifier, saying apple (the
// effective status: the cause of an INVALID_CERTIFICATE if it has one),
// agrees with our status. Two of Apple's names differ from ours, and the
// issue's, for the same refusal:
//   - a chain that does not lead to a root: Apple's Node library says
//     VERIFICATION_FAILURE, its Java library INVALID_CHAIN, as we do;
//   - a JWS that is not well formed: Node has no status of its own for it
//     and says FAILURE when a field has the wrong type and
//     VERIFICATION_FAILURE when the JWS does not decode; Swift says
//     INVALID_JWT_FORMAT, as we do.
func sameVerdict(our, apple string) bool {
	switch {
	case our == apple:
		return true
	case our == string(appstore.StatusInvalidChain):
		return apple == "VERIFICATION_FAILURE"
	case our == string(appstore.StatusInvalidFormat):
		return apple == "FAILURE" || apple == "VERIFICATION_FAILURE"
	}
	return false
}

// divergence is a case where package appstore, by the rule and
// Apple's other libraries, refuses what Apple's Node library accepts.
type divergence struct{ ours, apple, why string }

var divergences = map[string]divergence{
	"ES384 with a P-384 leaf": {"VERIFICATION_FAILURE", "OK",
		"Node lets jsonwebtoken take the algorithm from the header and key; Apple's Python, Java and Swift libraries, and appstore, take ES256 alone"},
	"third certificate not DER": {"INVALID_CERTIFICATE", "OK",
		"Node never reads x5c[2]; appstore, as Apple's Java library, requires three DER certificates and trusts none of them for being there"},
	"notification carrying a transaction from another CA": {"INVALID_CHAIN", "OK",
		"Node leaves signedTransactionInfo to the caller; appstore verifies what a notification carries"},
}

func compare(t *testing.T, roots []*x509.Certificate, cases []verifyCase) {
	t.Helper()
	for _, c := range cases {
		our := ours(t, roots, c)
		if d, ok := divergences[c.Name]; ok {
			if our != d.ours || c.Effective != d.apple {
				t.Errorf("%s: ours %s, Apple's %s (%s); the known divergence is ours %s, Apple's %s: %s", c.Name, our, c.Effective, c.Status, d.ours, d.apple, d.why)
			}
			continue
		}
		if !sameVerdict(our, c.Effective) {
			t.Errorf("%s: ours %s, Apple's Node verifier %s (status %s, cause %s)", c.Name, our, c.Effective, c.Status, c.Cause)
		}
	}
}

// signed returns a function that passes on a signer's JWS, failing t on
// the signer's error: sign(ca.Sign(tx)).
func signed(t *testing.T) func(jws string, err error) string {
	return func(jws string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return jws
	}
}

// TestAppleVerifierAgreesOnAppstoretestChains gives Apple's Node verifier
// the test root and every case of appstoretest's making, and checks that
// it accepts what we accept and refuses the rest for the same reason.
func TestAppleVerifierAgreesOnAppstoretestChains(t *testing.T) {
	ca := appstoretest.NewCA()
	const bundleID = "com.example.app"
	now := time.Now()
	tx := appstore.Transaction{TransactionID: "2000000123", OriginalTransactionID: "2000000123", BundleID: bundleID, ProductID: "com.example.app.monthly",
		PurchaseDate: now.Add(-time.Minute), ExpiresDate: now.AddDate(0, 1, 0), Type: appstore.AutoRenewableSubscription,
		Environment: appstore.Sandbox, SignedDate: now, Price: 9990, Currency: "USD"}
	ri := appstore.RenewalInfo{OriginalTransactionID: "2000000123", AutoRenewProductID: "com.example.app.monthly", AutoRenewStatus: appstore.AutoRenewOn,
		Environment: appstore.Sandbox, SignedDate: now}
	didRenew := appstore.Notification{NotificationType: appstore.NotificationDidRenew, NotificationUUID: "7c7a5f0e-1c1c-4f7e-8e55-1e1e1e1e1e1e", Version: "2.0", SignedDate: now,
		Data: &appstore.NotificationData{BundleID: bundleID, AppAppleID: 1234567890, Environment: appstore.Sandbox, Status: appstore.StatusActive, Transaction: &tx, RenewalInfo: &ri}}
	sign := signed(t)
	good := sign(ca.Sign(tx))
	h, p, s := split3(good)
	chain := x5cOf(ca)
	in2000 := tx
	in2000.SignedDate = time.Date(2000, 6, 1, 0, 0, 0, 0, time.UTC)
	otherTx := didRenew
	otherData := *didRenew.Data
	otherData.Transaction, otherData.SignedTransactionInfo = nil, sign(appstoretest.NewCA().Sign(tx))
	otherTx.Data = &otherData

	sandbox := func(name, method, signed string) verifyCase {
		return verifyCase{Name: name, Method: method, Signed: signed, Environment: "Sandbox", BundleID: bundleID}
	}
	production := func(name, method, signed string) verifyCase {
		return verifyCase{Name: name, Method: method, Signed: signed, Environment: "Production", BundleID: bundleID, AppAppleID: 1234567890}
	}
	cases := []verifyCase{
		sandbox("transaction", "transaction", good),
		sandbox("notification with its transaction and renewal info", "notification", sign(ca.SignNotification(didRenew))),
		sandbox("renewal info", "renewalInfo", sign(ca.Sign(ri))),
		production("app transaction", "appTransaction", sign(ca.Sign(appstore.AppTransaction{ReceiptType: appstore.Production, AppAppleID: 1234567890, BundleID: bundleID, ReceiptCreationDate: now, OriginalPlatform: appstore.IOS}))),
		production("realtime request", "realtimeRequest", sign(ca.Sign(appstore.RealtimeRequest{OriginalTransactionID: "1", AppAppleID: 1234567890, ProductID: "p", UserLocale: "en-US", RequestIdentifier: "r", Environment: appstore.Production, SignedDate: now}))),
		production("summary notification", "notification", sign(ca.SignNotification(appstore.Notification{NotificationType: appstore.NotificationRenewalExtension, Subtype: appstore.SubtypeSummary, SignedDate: now,
			Summary: &appstore.Summary{BundleID: bundleID, AppAppleID: 1234567890, Environment: appstore.Production, SucceededCount: 1}}))),
		sandbox("external purchase token, SANDBOX", "notification", sign(ca.SignNotification(appstore.Notification{NotificationType: appstore.NotificationExternalPurchaseToken, SignedDate: now,
			ExternalPurchaseToken: &appstore.ExternalPurchaseToken{ExternalPurchaseID: "SANDBOX_1", BundleID: bundleID, AppAppleID: 1234567890, TokenCreationDate: now}}))),
		sandbox("external purchase token, production", "notification", sign(ca.SignNotification(appstore.Notification{NotificationType: appstore.NotificationExternalPurchaseToken, SignedDate: now,
			ExternalPurchaseToken: &appstore.ExternalPurchaseToken{ExternalPurchaseID: "1", BundleID: bundleID, AppAppleID: 1234567890, TokenCreationDate: now}}))),
		production("rescind consent with its app transaction", "notification", sign(ca.SignNotification(appstore.Notification{NotificationType: appstore.NotificationRescindConsent, SignedDate: now,
			AppData: &appstore.AppData{BundleID: bundleID, AppAppleID: 1234567890, Environment: appstore.Production,
				AppTransaction: &appstore.AppTransaction{ReceiptType: appstore.Production, AppAppleID: 1234567890, BundleID: bundleID, ReceiptCreationDate: now}}}))),
		sandbox("no app fields", "notification", sign(ca.Sign(map[string]any{"notificationType": "TEST", "signedDate": now.UnixMilli()}))),

		sandbox("leaf without its OID", "transaction", sign(ca.LeafWithoutOID().Sign(tx))),
		sandbox("intermediate without its OID", "transaction", sign(ca.IntermediateWithoutOID().Sign(tx))),
		sandbox("another CA", "transaction", sign(appstoretest.NewCA().Sign(tx))),
		sandbox("expired leaf", "transaction", sign(ca.ExpiredLeaf().Sign(tx))),
		sandbox("expired leaf, signed while it was valid", "transaction", sign(ca.ExpiredLeaf().Sign(in2000))),
		sandbox("leaf not yet valid", "transaction", sign(ca.LeafNotYetValid().Sign(tx))),
		sandbox("leaf valid until an hour ago", "transaction", sign(ca.LeafValidBetween(now.AddDate(-1, 0, 0), now.Add(-time.Hour)).Sign(tx))),
		sandbox("chain of two", "transaction", sign(ca.ChainOfTwo().Sign(tx))),
		sandbox("chain of four", "transaction", jwsWith(t, ca.LeafKey(), map[string]any{"alg": "ES256", "x5c": append(chain, chain[2])}, tx)),
		sandbox("no x5c", "transaction", jwsWith(t, ca.LeafKey(), map[string]any{"alg": "ES256"}, tx)),
		sandbox("leaf not base64", "transaction", jwsWith(t, ca.LeafKey(), map[string]any{"alg": "ES256", "x5c": []string{"%%%", chain[1], chain[2]}}, tx)),
		sandbox("third certificate not DER", "transaction", jwsWith(t, ca.LeafKey(), map[string]any{"alg": "ES256", "x5c": []string{chain[0], chain[1], "AAAA"}}, tx)),
		sandbox("alg ES384", "transaction", jwsWith(t, ca.LeafKey(), map[string]any{"alg": "ES384", "x5c": chain}, tx)),
		sandbox("signature changed", "transaction", h+"."+p+"."+flip(s)),
		sandbox("payload changed", "transaction", h+"."+b64url([]byte(`{"bundleId":"com.example.app","environment":"Sandbox","price":1}`))+"."+s),
		sandbox("not a JWS", "transaction", "a.b.c"),
		sandbox("four parts", "transaction", good+".x"),
		sandbox("bundleId a number", "transaction", jwsWith(t, ca.LeafKey(), map[string]any{"alg": "ES256", "x5c": chain}, map[string]any{"bundleId": 7})),
		{Name: "another bundle ID", Method: "transaction", Signed: good, Environment: "Sandbox", BundleID: "com.example.other"},
		production("production verifier, sandbox transaction", "transaction", good),
		production("production notification for another App Apple ID", "notification", sign(ca.SignNotification(appstore.Notification{NotificationType: appstore.NotificationTest, SignedDate: now,
			Data: &appstore.NotificationData{BundleID: bundleID, AppAppleID: 42, Environment: appstore.Production}}))),
		sandbox("notification carrying a transaction from another CA", "notification", sign(ca.SignNotification(otherTx))),
	}
	compare(t, ca.Roots(), runAppleVerifier(t, [][]byte{ca.Roots()[0].Raw}, cases))
}

// TestOursAgreesWithAppleOnDataNodeMakes takes chains jsrsasign made and
// payloads jsonwebtoken signed, Apple's library's own dependencies, with
// Apple's verdict on each, and checks that package appstore reaches the
// same one.
func TestOursAgreesWithAppleOnDataNodeMakes(t *testing.T) {
	var made struct {
		Roots []string     `json:"roots"`
		Cases []verifyCase `json:"cases"`
	}
	nodeScript{Package: appleLibrary, Args: []string{"appstore_verify.js", "make"}}.run(t, &made)
	var roots []*x509.Certificate
	for _, r := range made.Roots {
		der, _ := base64.StdEncoding.DecodeString(r)
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatalf("the root jsrsasign made does not parse: %v", err)
		}
		roots = append(roots, c)
	}
	if len(made.Cases) < 20 {
		t.Fatalf("the script made %d cases", len(made.Cases))
	}
	for _, c := range made.Cases {
		if c.Effective != c.Expect {
			t.Errorf("%s: Apple's verifier says %s, not the %s the script made it for", c.Name, c.Effective, c.Expect)
		}
	}
	compare(t, roots, made.Cases)
}

func x5cOf(ca *appstoretest.CA) []string {
	var out []string
	for _, c := range ca.Chain() {
		out = append(out, base64.StdEncoding.EncodeToString(c.Raw))
	}
	return out
}

// jwsWith signs claims under any header with key, by hand (jwsforge signs
// with crypto/ecdsa, apart from the code under test).
func jwsWith(t *testing.T, key *ecdsa.PrivateKey, header map[string]any, claims any) string {
	t.Helper()
	return jwsforge.Sign(key, string(mustJSON(t, header)), string(mustJSON(t, claims)))
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func split3(jws string) (h, p, s string) {
	parts := strings.SplitN(jws, ".", 3)
	return parts[0], parts[1], parts[2]
}

// flip changes one bit of a base64url signature.
func flip(sig string) string {
	b, _ := base64.RawURLEncoding.DecodeString(sig)
	b[5] ^= 0x10
	return b64url(b)
}
