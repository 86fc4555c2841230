package bench

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	richzw "github.com/richzw/appstore"

	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/appstore/appstoretest"
)

// storeFixture is what the App Store verification benchmarks verify: a
// DID_RENEW notification carrying its signed transaction and renewal info
// (three JWS, one chain), a transaction alone, and, for the new-chain
// runs, the same signed under more chains than a verifier keeps.
type storeFixture struct {
	ca           *appstoretest.CA
	notification string
	transaction  string
	sign         func(*appstoretest.CA) (notification, transaction string)
}

const storeBundleID = "com.example.app"

func newStoreFixture(b *testing.B) *storeFixture {
	b.Helper()
	ca := appstoretest.NewCA()
	f := &storeFixture{ca: ca}
	signedAt := time.Date(2025, 10, 1, 12, 0, 0, 0, time.UTC)
	sign := func(signer *appstoretest.CA) (notification, transaction string) {
		tx := appstore.Transaction{
			TransactionID: "2000000987654321", OriginalTransactionID: "2000000123456789", WebOrderLineItemID: "2000000012345678",
			BundleID: storeBundleID, ProductID: "com.example.app.monthly", SubscriptionGroupIdentifier: "21000000",
			PurchaseDate: signedAt, OriginalPurchaseDate: signedAt.AddDate(-1, 0, 0), ExpiresDate: signedAt.AddDate(0, 1, 0),
			Quantity: 1, Type: appstore.AutoRenewableSubscription, InAppOwnershipType: appstore.Purchased, SignedDate: signedAt,
			Environment: appstore.Sandbox, TransactionReason: appstore.ReasonRenewal, Storefront: "USA", StorefrontID: "143441",
			Price: 9990, Currency: "USD", AppTransactionID: "704289572311518866",
		}
		ri := appstore.RenewalInfo{
			OriginalTransactionID: "2000000123456789", AutoRenewProductID: "com.example.app.monthly", ProductID: "com.example.app.monthly",
			AutoRenewStatus: appstore.AutoRenewOn, SignedDate: signedAt, Environment: appstore.Sandbox,
			RecentSubscriptionStartDate: signedAt.AddDate(-1, 0, 0), RenewalDate: signedAt.AddDate(0, 1, 0), Currency: "USD", RenewalPrice: 9990,
			AppTransactionID: "704289572311518866",
		}
		n, err := signer.SignNotification(appstore.Notification{
			NotificationType: appstore.NotificationDidRenew, NotificationUUID: "9ad56bd2-0bc6-42e0-af24-fd996d87a1e6", Version: "2.0", SignedDate: signedAt,
			Data: &appstore.NotificationData{AppAppleID: 1234567890, BundleID: storeBundleID, BundleVersion: "42", Environment: appstore.Sandbox,
				Status: appstore.StatusActive, Transaction: &tx, RenewalInfo: &ri},
		})
		if err != nil {
			b.Fatal(err)
		}
		t, err := signer.Sign(tx)
		if err != nil {
			b.Fatal(err)
		}
		return n, t
	}
	f.notification, f.transaction = sign(ca)
	f.sign = sign
	return f
}

// freshChains returns notifications and transactions each signed under a
// chain of its own: twice the chains a verifier keeps, so that each one a
// verifier is given in turn is new to it.
func (f *storeFixture) freshChains() (notifications, transactions []string) {
	for range 64 {
		n, t := f.sign(f.ca.LeafValidBetween(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
		notifications, transactions = append(notifications, n), append(transactions, t)
	}
	return notifications, transactions
}

func (f *storeFixture) verifier(b *testing.B) *appstore.Verifier {
	b.Helper()
	v, err := appstore.NewVerifier(appstore.VerifierConfig{BundleID: storeBundleID, Environment: appstore.Sandbox, Roots: f.ca.Roots()})
	if err != nil {
		b.Fatal(err)
	}
	return v
}

func (f *storeFixture) richzw() *richzw.StoreClient {
	pool := x509.NewCertPool()
	pool.AddCert(f.ca.Roots()[0])
	return richzw.NewStoreClient(&richzw.StoreConfig{BundleID: storeBundleID, Sandbox: true, TrustedCertPool: pool})
}

// floorVerify is the least any verifier of a JWS it has seen the chain of
// must do: one ECDSA P-256 verification of the signature and the JSON
// decoding of the payload into a plain struct of its fields.
func floorVerify(b *testing.B, key *ecdsa.PublicKey, jws string, out any) {
	i := strings.LastIndexByte(jws, '.')
	sig, err := base64.RawURLEncoding.DecodeString(jws[i+1:])
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte(jws[:i]))
	if !ecdsa.Verify(key, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		b.Fatal("the signature does not verify")
	}
	payload, err := base64.RawURLEncoding.DecodeString(jws[strings.IndexByte(jws, '.')+1 : i])
	if err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal(payload, out); err != nil {
		b.Fatal(err)
	}
}

// The payloads' fields, as plain as encoding/json decodes them: dates in
// milliseconds, no Raw kept, nothing checked.
type (
	plainNotification struct {
		NotificationType, Subtype, NotificationUUID, Version string
		SignedDate                                           int64
		Data                                                 struct {
			Environment, BundleID, BundleVersion, SignedTransactionInfo, SignedRenewalInfo, ConsumptionRequestReason string
			AppAppleID                                                                                               int64
			Status                                                                                                   int
		}
	}
	plainTransaction struct {
		OriginalTransactionID, TransactionID, WebOrderLineItemID, BundleID, ProductID, SubscriptionGroupIdentifier string
		PurchaseDate, OriginalPurchaseDate, ExpiresDate, SignedDate, RevocationDate, Price                         int64
		Quantity, OfferType, RevocationPercentage                                                                  int
		RevocationReason                                                                                           *int
		Type, AppAccountToken, InAppOwnershipType, OfferIdentifier, Environment, Storefront, StorefrontID          string
		TransactionReason, Currency, OfferDiscountType, AppTransactionID, OfferPeriod, RevocationType              string
		IsUpgraded                                                                                                 bool
	}
	plainRenewalInfo struct {
		ExpirationIntent, AutoRenewStatus, OfferType                                                 int
		PriceIncreaseStatus                                                                          *int
		OriginalTransactionID, AutoRenewProductID, ProductID, OfferIdentifier, Environment, Currency string
		OfferDiscountType, AppAccountToken, AppTransactionID, OfferPeriod                            string
		GracePeriodExpiresDate, SignedDate, RecentSubscriptionStartDate, RenewalDate, RenewalPrice   int64
		IsInBillingRetryPeriod                                                                       bool
		EligibleWinBackOfferIDs                                                                      []string `json:"eligibleWinBackOfferIds"`
	}
)

// BenchmarkVerifyNotification is the cost of verifying one DID_RENEW
// notification and the transaction and renewal info it carries (three
// signatures): the floor; package appstore with the chain already seen
// and with a chain it has not seen; richzw/appstore, the Go package people
// use today, asked for the same three; and Apple's Node library (offline,
// so it checks the chain on every call), timed by verify_appstore_node.js
// on the same payloads.
func BenchmarkVerifyNotification(b *testing.B) {
	f := newStoreFixture(b)
	ctx := context.Background()
	leaf := f.ca.Chain()[0].PublicKey.(*ecdsa.PublicKey)

	runRow(b, "floor", func(b *testing.B) {
		var n plainNotification
		floorVerify(b, leaf, f.notification, &n)
		var t plainTransaction
		floorVerify(b, leaf, n.Data.SignedTransactionInfo, &t)
		var r plainRenewalInfo
		floorVerify(b, leaf, n.Data.SignedRenewalInfo, &r)
	})
	f.runAppstore(b, f.notification, func() []string { n, _ := f.freshChains(); return n }, func(v *appstore.Verifier, signed string) error {
		_, err := v.VerifyNotification(ctx, signed)
		return err
	})
	c := f.richzw()
	runRow(b, "richzw", func(b *testing.B) {
		n, err := c.ParseNotificationV2Payload(f.notification)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.ParseNotificationV2TransactionInfo(n.Data.SignedTransactionInfo); err != nil {
			b.Fatal(err)
		}
		if _, err := c.ParseNotificationV2RenewalInfo(n.Data.SignedRenewalInfo); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("impl=apple-node", func(b *testing.B) {
		var n plainNotification
		floorVerify(b, leaf, f.notification, &n)
		timeAppleNode(b, f, []nodeItem{
			{"verifyAndDecodeNotification", f.notification},
			{"verifyAndDecodeTransaction", n.Data.SignedTransactionInfo},
			{"verifyAndDecodeRenewalInfo", n.Data.SignedRenewalInfo},
		})
	})
}

// BenchmarkVerifyTransaction is the cost of verifying one
// signedTransactionInfo (one signature), by the same implementations.
func BenchmarkVerifyTransaction(b *testing.B) {
	f := newStoreFixture(b)
	leaf := f.ca.Chain()[0].PublicKey.(*ecdsa.PublicKey)
	runRow(b, "floor", func(b *testing.B) {
		var t plainTransaction
		floorVerify(b, leaf, f.transaction, &t)
	})
	ctx := context.Background()
	f.runAppstore(b, f.transaction, func() []string { _, t := f.freshChains(); return t }, func(v *appstore.Verifier, signed string) error {
		_, err := v.VerifyTransaction(ctx, signed)
		return err
	})
	c := f.richzw()
	runRow(b, "richzw", func(b *testing.B) {
		if _, err := c.ParseNotificationV2TransactionInfo(f.transaction); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("impl=apple-node", func(b *testing.B) {
		timeAppleNode(b, f, []nodeItem{{"verifyAndDecodeTransaction", f.transaction}})
	})
}

// runRow runs one row of a benchmark, named for its implementation:
// round is one round of what the row measures.
func runRow(b *testing.B, impl string, round func(b *testing.B)) {
	b.Run("impl="+impl, func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			round(b)
		}
	})
}

// runAppstore runs package appstore's two rows of a benchmark: a verifier
// that has already seen signed's chain (the steady state of a server), and
// one that meets each of what fresh returns, every one signed with a chain
// of its own, for the first time.
func (f *storeFixture) runAppstore(b *testing.B, signed string, fresh func() []string, verify func(v *appstore.Verifier, signed string) error) {
	b.Run("impl=appstore", func(b *testing.B) {
		v := f.verifier(b)
		if err := verify(v, signed); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := verify(v, signed); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=appstore-new-chain", func(b *testing.B) {
		fresh := fresh()
		v := f.verifier(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := verify(v, fresh[i%len(fresh)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

type nodeItem struct {
	Method string `json:"method"`
	Signed string `json:"signed"`
}

// timeAppleNode runs verify_appstore_node.js, which verifies items b.N
// times with Apple's SignedDataVerifier after a warm-up, and reports its
// time per round as this benchmark's ns/op. It skips where node or Apple's
// library (installed by npm ci in conformance/node) is missing.
func timeAppleNode(b *testing.B, f *storeFixture, items []nodeItem) {
	node, err := exec.LookPath("node")
	if err != nil {
		b.Skip("node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join("..", "conformance", "node", "node_modules", "@apple", "app-store-server-library")); err != nil {
		b.Skip("Apple's library is not installed: run npm ci in conformance/node")
	}
	input, err := json.Marshal(map[string]any{
		"root":        base64.StdEncoding.EncodeToString(f.ca.Roots()[0].Raw),
		"bundleId":    storeBundleID,
		"environment": "Sandbox",
		"items":       items,
	})
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), "payloads.json")
	if err := os.WriteFile(file, input, 0o600); err != nil {
		b.Fatal(err)
	}
	out, err := exec.Command(node, "verify_appstore_node.js", file, strconv.Itoa(b.N)).Output()
	if err != nil {
		b.Fatalf("node verify_appstore_node.js: %v", err)
	}
	var timed struct {
		NsPerOp float64 `json:"nsPerOp"`
	}
	if err := json.Unmarshal(out, &timed); err != nil {
		b.Fatalf("node printed %q: %v", out, err)
	}
	b.ReportMetric(timed.NsPerOp, "ns/op") // Node's own clock, not the process start
	b.ReportMetric(0, "B/op")              // Go's allocations say nothing of Node's
	b.ReportMetric(0, "allocs/op")
}
