package appstore_test

import (
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/appstore/appstoretest"
	"github.com/ascjwt/ascjwt/internal/jwsforge"
)

const bundleID = "com.example.app"

// signedAt is the moment the tests' payloads are signed at.
var signedAt = time.Date(2025, 10, 1, 12, 0, 0, 0, time.UTC)

func newVerifier(t testing.TB, ca *appstoretest.CA, cfg appstore.VerifierConfig) *appstore.Verifier {
	t.Helper()
	if cfg.BundleID == "" {
		cfg.BundleID = bundleID
	}
	if cfg.Environment == "" {
		cfg.Environment = appstore.Sandbox
	}
	if cfg.Roots == nil && ca != nil {
		cfg.Roots = ca.Roots()
	}
	v, err := appstore.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func transaction() appstore.Transaction {
	return appstore.Transaction{
		TransactionID:         "2000000123456789",
		OriginalTransactionID: "2000000123456789",
		BundleID:              bundleID,
		ProductID:             "com.example.app.monthly",
		PurchaseDate:          signedAt.Add(-time.Minute),
		ExpiresDate:           signedAt.Add(30 * 24 * time.Hour),
		Type:                  appstore.AutoRenewableSubscription,
		Environment:           appstore.Sandbox,
		SignedDate:            signedAt,
		Price:                 9990,
		Currency:              "USD",
	}
}

func renewalInfo() appstore.RenewalInfo {
	return appstore.RenewalInfo{
		OriginalTransactionID: "2000000123456789",
		AutoRenewProductID:    "com.example.app.monthly",
		AutoRenewStatus:       appstore.AutoRenewOn,
		Environment:           appstore.Sandbox,
		SignedDate:            signedAt,
	}
}

func didRenew() appstore.Notification {
	tx, ri := transaction(), renewalInfo()
	return appstore.Notification{
		NotificationType: appstore.NotificationDidRenew,
		NotificationUUID: "002e14d5-51f5-4503-b5a8-c3a1af68eb20",
		Version:          "2.0",
		SignedDate:       signedAt,
		Data: &appstore.NotificationData{
			AppAppleID:  1234567890,
			BundleID:    bundleID,
			Environment: appstore.Sandbox,
			Status:      appstore.StatusActive,
			Transaction: &tx,
			RenewalInfo: &ri,
		},
	}
}

func sign(t testing.TB, ca *appstoretest.CA, claims any) string {
	t.Helper()
	s, err := ca.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func signN(t testing.TB, ca *appstoretest.CA, n appstore.Notification) string {
	t.Helper()
	s, err := ca.SignNotification(n)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signJWS builds a compact JWS by hand (jwsforge signs with crypto/ecdsa,
// not with the code under test), with any header, signed with key over the
// standard ES256 signing input: what the tests need for headers
// appstoretest would never write.
func signJWS(t testing.TB, key *ecdsa.PrivateKey, header map[string]any, claims any) string {
	t.Helper()
	return jwsforge.Sign(key, mustJSON(t, header), mustJSON(t, claims))
}

// mustJSON is v as encoding/json writes it.
func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func seg(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// x5c is ca's chain as a header's x5c.
func x5c(ca *appstoretest.CA) []string {
	var out []string
	for _, c := range ca.Chain() {
		out = append(out, base64.StdEncoding.EncodeToString(c.Raw))
	}
	return out
}

// wantTransactionsRefused verifies each of signed, by name, in a subtest of
// that name, and wants each refused with want.
func wantTransactionsRefused(t *testing.T, v *appstore.Verifier, signed map[string]string, want error) {
	t.Helper()
	for name, s := range signed {
		t.Run(name, func(t *testing.T) {
			_, err := v.VerifyTransaction(ctx, s)
			wantRefusal(t, err, want)
		})
	}
}

// wantRefusal checks that err is the refusal status names, and is a
// *VerificationError with that Status.
func wantRefusal(t testing.TB, err error, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %q; want %v", err, want)
	}
	var ve *appstore.VerificationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %q is not a *VerificationError", err)
	}
	if !strings.HasPrefix(err.Error(), "appstore: ") || !strings.Contains(err.Error(), "("+string(ve.Status)+")") {
		t.Errorf("error %q does not start with appstore: and name its status", err)
	}
}
