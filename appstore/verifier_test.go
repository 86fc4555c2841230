package appstore_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/appstore/appstoretest"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/storeca"
)

var ctx = context.Background()

func TestVerifiesANotificationAndWhatItCarries(t *testing.T) {
	ca := appstoretest.NewCA()
	v := newVerifier(t, ca, appstore.VerifierConfig{})
	n, err := v.VerifyNotification(ctx, signN(t, ca, didRenew()))
	if err != nil {
		t.Fatal(err)
	}
	if n.NotificationType != appstore.NotificationDidRenew || !n.SignedDate.Equal(signedAt) || n.Version != "2.0" {
		t.Errorf("notification = %+v", n)
	}
	tx, ri := n.Data.Transaction, n.Data.RenewalInfo
	if tx == nil || ri == nil {
		t.Fatalf("Data.Transaction %v, Data.RenewalInfo %v; want both verified and decoded", tx, ri)
	}
	if tx.TransactionID != "2000000123456789" || tx.Price != 9990 || !tx.PurchaseDate.Equal(signedAt.Add(-time.Minute)) {
		t.Errorf("transaction = %+v", tx)
	}
	if ri.AutoRenewStatus != appstore.AutoRenewOn || ri.AutoRenewProductID != "com.example.app.monthly" {
		t.Errorf("renewal info = %+v", ri)
	}
	if !strings.Contains(string(n.Raw), `"notificationType":"DID_RENEW"`) || !strings.Contains(string(n.Data.Raw), `"signedTransactionInfo"`) {
		t.Errorf("Raw does not hold the payload: %s", n.Raw)
	}
}

func TestVerifiesEachKind(t *testing.T) {
	ca := appstoretest.NewCA()
	prod := newVerifier(t, ca, appstore.VerifierConfig{Environment: appstore.Production, AppAppleID: 1234567890})
	sandbox := newVerifier(t, ca, appstore.VerifierConfig{})

	tx := transaction()
	if _, err := sandbox.VerifyTransaction(ctx, sign(t, ca, tx)); err != nil {
		t.Errorf("transaction: %v", err)
	}
	ri := renewalInfo()
	if _, err := sandbox.VerifyRenewalInfo(ctx, sign(t, ca, ri)); err != nil {
		t.Errorf("renewal info: %v", err)
	}
	at := appstore.AppTransaction{ReceiptType: appstore.Production, AppAppleID: 1234567890, BundleID: bundleID, ReceiptCreationDate: signedAt}
	if got, err := prod.VerifyAppTransaction(ctx, sign(t, ca, at)); err != nil || got.AppAppleID != 1234567890 {
		t.Errorf("app transaction: %v, %v", got, err)
	}
	rr := appstore.RealtimeRequest{OriginalTransactionID: "1", AppAppleID: 1234567890, ProductID: "p", UserLocale: "en-US", RequestIdentifier: "r", SignedDate: signedAt, Environment: appstore.Production}
	if got, err := prod.VerifyRealtimeRequest(ctx, sign(t, ca, rr)); err != nil || got.UserLocale != "en-US" {
		t.Errorf("realtime request: %v, %v", got, err)
	}

	// A notification's app fields come from data, else summary, else
	// externalPurchaseToken (SANDBOX... is Sandbox), else appData.
	summary := appstore.Notification{NotificationType: appstore.NotificationRenewalExtension, Subtype: appstore.SubtypeSummary, SignedDate: signedAt,
		Summary: &appstore.Summary{BundleID: bundleID, AppAppleID: 1234567890, Environment: appstore.Production, SucceededCount: 3}}
	if n, err := prod.VerifyNotification(ctx, signN(t, ca, summary)); err != nil || n.Summary.SucceededCount != 3 {
		t.Errorf("summary notification: %v, %v", n, err)
	}
	for _, c := range []struct {
		id string
		v  *appstore.Verifier
	}{{"SANDBOX_abc", sandbox}, {"abc", prod}} {
		ept := appstore.Notification{NotificationType: appstore.NotificationExternalPurchaseToken, SignedDate: signedAt,
			ExternalPurchaseToken: &appstore.ExternalPurchaseToken{ExternalPurchaseID: c.id, BundleID: bundleID, AppAppleID: 1234567890, TokenCreationDate: signedAt}}
		if _, err := c.v.VerifyNotification(ctx, signN(t, ca, ept)); err != nil {
			t.Errorf("external purchase token %s: %v", c.id, err)
		}
	}
	rescind := appstore.Notification{NotificationType: appstore.NotificationRescindConsent, SignedDate: signedAt,
		AppData: &appstore.AppData{BundleID: bundleID, AppAppleID: 1234567890, Environment: appstore.Production, AppTransaction: &at}}
	n, err := prod.VerifyNotification(ctx, signN(t, ca, rescind))
	if err != nil || n.AppData.AppTransaction == nil || n.AppData.AppTransaction.BundleID != bundleID {
		t.Errorf("app data notification: %+v, %v", n, err)
	}
}

func TestBadFormatIsInvalidFormat(t *testing.T) {
	ca := appstoretest.NewCA()
	v := newVerifier(t, ca, appstore.VerifierConfig{})
	good := sign(t, ca, transaction())
	h, p, s := parts(good)
	wantTransactionsRefused(t, v, map[string]string{
		"empty":                  "",
		"one part":               "abc",
		"two parts":              h + "." + p,
		"four parts":             good + ".x",
		"payload not base64url":  h + ".e30=." + s,
		"payload with a newline": h + "." + p[:10] + "\n" + p[10:] + "." + s,
		"payload not an object":  h + "." + seg([]byte(`[1]`)) + "." + s,
		"payload not JSON":       h + "." + seg([]byte(`{"bundleId":`)) + "." + s,
		"bundleId a number":      h + "." + seg([]byte(`{"bundleId":7}`)) + "." + s,
		"date a string":          h + "." + seg([]byte(`{"signedDate":"2025-10-01"}`)) + "." + s,
		"header not base64url":   "e30=." + p + "." + s,
		"header not an object":   seg([]byte(`"x"`)) + "." + p + "." + s,
		"too long":               h + "." + strings.Repeat("A", 1<<20) + "." + s,
	}, appstore.ErrInvalidFormat)
}

func TestChainOfOtherThanThreeIsInvalidChainLength(t *testing.T) {
	ca := appstoretest.NewCA()
	v := newVerifier(t, ca, appstore.VerifierConfig{})
	chain := x5c(ca)
	for name, header := range map[string]map[string]any{
		"no x5c":         {"alg": "ES256"},
		"x5c null":       {"alg": "ES256", "x5c": nil},
		"x5c a string":   {"alg": "ES256", "x5c": chain[0]},
		"x5c empty":      {"alg": "ES256", "x5c": []string{}},
		"one":            {"alg": "ES256", "x5c": chain[:1]},
		"four":           {"alg": "ES256", "x5c": append(chain, chain[2])},
		"x5c, not x5c's": {"alg": "ES256", "X5C": chain, "x5cwrong": chain},
	} {
		t.Run(name, func(t *testing.T) {
			// "X5C" is not x5c: header names are matched exactly, as Apple's
			// libraries read them.
			_, err := v.VerifyTransaction(ctx, signJWS(t, ca.LeafKey(), header, transaction()))
			wantRefusal(t, err, appstore.ErrInvalidChainLength)
		})
	}
	t.Run("ChainOfTwo", func(t *testing.T) {
		two := ca.ChainOfTwo()
		_, err := v.VerifyTransaction(ctx, sign(t, two, transaction()))
		wantRefusal(t, err, appstore.ErrInvalidChainLength)
	})
}

func TestCertificateThatDoesNotParseIsInvalidCertificate(t *testing.T) {
	ca := appstoretest.NewCA()
	v := newVerifier(t, ca, appstore.VerifierConfig{})
	chain := x5c(ca)
	for name, bad := range map[string]any{
		"not a string":      7,
		"base64url":         base64.RawURLEncoding.EncodeToString(ca.Chain()[0].Raw),
		"not DER":           base64.StdEncoding.EncodeToString([]byte("not a certificate")),
		"truncated":         base64.StdEncoding.EncodeToString(ca.Chain()[0].Raw[:100]),
		"trailing bits set": chain[0][:len(chain[0])-2] + "B=",
	} {
		for i := range 3 {
			t.Run(name+" at "+[]string{"leaf", "intermediate", "root"}[i], func(t *testing.T) {
				list := []any{chain[0], chain[1], chain[2]}
				list[i] = bad
				_, err := v.VerifyTransaction(ctx, signJWS(t, ca.LeafKey(), map[string]any{"alg": "ES256", "x5c": list}, transaction()))
				wantRefusal(t, err, appstore.ErrInvalidCertificate)
			})
		}
	}
}

func TestMissingAppleOIDsAreVerificationFailure(t *testing.T) {
	ca := appstoretest.NewCA()
	v := newVerifier(t, ca, appstore.VerifierConfig{})
	for name, bad := range map[string]*appstoretest.CA{
		"leaf":         ca.LeafWithoutOID(),
		"intermediate": ca.IntermediateWithoutOID(),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := v.VerifyTransaction(ctx, sign(t, bad, transaction()))
			wantRefusal(t, err, appstore.ErrVerification)
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error %q does not name the %s", err, name)
			}
		})
	}
}

func TestChainToAnotherRootIsInvalidChain(t *testing.T) {
	ca, other := appstoretest.NewCA(), appstoretest.NewCA()
	v := newVerifier(t, ca, appstore.VerifierConfig{})
	t.Run("another CA", func(t *testing.T) {
		_, err := v.VerifyTransaction(ctx, sign(t, other, transaction()))
		wantRefusal(t, err, appstore.ErrInvalidChain)
	})
	t.Run("the trusted root as third certificate", func(t *testing.T) {
		// The third certificate is never trusted because it is there: the
		// verifier's root in x5c[2] does not make other's chain lead to it.
		chain := x5c(other)
		chain[2] = x5c(ca)[2]
		_, err := v.VerifyTransaction(ctx, signJWS(t, other.LeafKey(), map[string]any{"alg": "ES256", "x5c": chain}, transaction()))
		wantRefusal(t, err, appstore.ErrInvalidChain)
	})
	t.Run("an intermediate of another CA under the same root", func(t *testing.T) {
		sibling := ca.LeafWithoutOID() // any other CA under ca's root
		chain := x5c(ca)
		chain[1] = x5c(sibling)[1]
		_, err := v.VerifyTransaction(ctx, signJWS(t, ca.LeafKey(), map[string]any{"alg": "ES256", "x5c": chain}, transaction()))
		wantRefusal(t, err, appstore.ErrInvalidChain)
	})
	t.Run("Apple's root by default", func(t *testing.T) {
		apple, err := appstore.NewVerifier(appstore.VerifierConfig{BundleID: bundleID, Environment: appstore.Sandbox})
		if err != nil {
			t.Fatal(err)
		}
		_, err = apple.VerifyTransaction(ctx, sign(t, ca, transaction()))
		wantRefusal(t, err, appstore.ErrInvalidChain)
	})
	t.Run("a root beside Apple's", func(t *testing.T) {
		both := newVerifier(t, nil, appstore.VerifierConfig{Roots: append(ca.Roots(), appstore.AppleRootCAG3())})
		if _, err := both.VerifyTransaction(ctx, sign(t, ca, transaction())); err != nil {
			t.Fatal(err)
		}
	})
}

func TestChainIsCheckedAtTheSigningDate(t *testing.T) {
	ca := appstoretest.NewCA()
	expired := ca.ExpiredLeaf() // valid through 2000
	in2000 := time.Date(2000, 6, 1, 0, 0, 0, 0, time.UTC)
	tx := transaction()
	tx.SignedDate = in2000
	signedIn2000 := sign(t, expired, tx)

	offline := newVerifier(t, ca, appstore.VerifierConfig{})
	if _, err := offline.VerifyTransaction(ctx, signedIn2000); err != nil {
		t.Errorf("offline, a leaf valid at the payload's signedDate: %v", err)
	}
	_, err := offline.VerifyTransaction(ctx, sign(t, expired, transaction()))
	wantRefusal(t, err, appstore.ErrInvalidCertificate)
	if !strings.Contains(err.Error(), "leaf certificate had expired by the time it was signed") {
		t.Errorf("error %q does not say the leaf expired before the signing date", err)
	}

	// Without a signedDate the verifier's clock decides.
	tx.SignedDate = time.Time{}
	undated := sign(t, expired, tx)
	_, err = offline.VerifyTransaction(ctx, undated)
	wantRefusal(t, err, appstore.ErrInvalidCertificate)
	clockIn2000 := newVerifier(t, ca, appstore.VerifierConfig{Now: func() time.Time { return in2000 }})
	if _, err := clockIn2000.VerifyTransaction(ctx, undated); err != nil {
		t.Errorf("no signedDate, the verifier's clock in 2000: %v", err)
	}

	t.Run("not yet valid", func(t *testing.T) {
		_, err := offline.VerifyTransaction(ctx, sign(t, ca.LeafNotYetValid(), transaction()))
		wantRefusal(t, err, appstore.ErrInvalidCertificate)
	})
	t.Run("edges", func(t *testing.T) {
		from, until := signedAt.Add(-time.Hour), signedAt.Add(time.Hour)
		edge := ca.LeafValidBetween(from, until)
		for at, ok := range map[time.Time]bool{from: true, until: true, from.Add(-time.Millisecond): false, until.Add(time.Millisecond): false} {
			tx := transaction()
			tx.SignedDate = at
			_, err := offline.VerifyTransaction(ctx, sign(t, edge, tx))
			if ok && err != nil || !ok && !errors.Is(err, appstore.ErrInvalidCertificate) {
				t.Errorf("signed at %v in a leaf valid %v to %v: %v", at, from, until, err)
			}
		}
	})
}

func TestSignatureRules(t *testing.T) {
	ca := appstoretest.NewCA()
	v := newVerifier(t, ca, appstore.VerifierConfig{})
	good := sign(t, ca, transaction())
	h, p, s := parts(good)
	other := apitest.NewKey(t)
	sig, _ := base64.RawURLEncoding.DecodeString(s)
	flipped := append([]byte(nil), sig...)
	flipped[10] ^= 1
	wantTransactionsRefused(t, v, map[string]string{
		"alg ES384":            signJWS(t, ca.LeafKey(), map[string]any{"alg": "ES384", "x5c": x5c(ca)}, transaction()),
		"alg none":             unsigned(signJWS(t, ca.LeafKey(), map[string]any{"alg": "none", "x5c": x5c(ca)}, transaction())),
		"alg missing":          signJWS(t, ca.LeafKey(), map[string]any{"x5c": x5c(ca)}, transaction()),
		"alg a number":         signJWS(t, ca.LeafKey(), map[string]any{"alg": 256, "x5c": x5c(ca)}, transaction()),
		"another key":          signJWS(t, other, map[string]any{"alg": "ES256", "x5c": x5c(ca)}, transaction()),
		"signature flipped":    h + "." + p + "." + seg(flipped),
		"signature empty":      h + "." + p + ".",
		"signature truncated":  h + "." + p + "." + seg(sig[:63]),
		"signature in DER":     h + "." + p + "." + seg(append([]byte{0x30, 0x44, 0x02, 0x20}, sig...)),
		"payload changed":      h + "." + seg([]byte(`{"bundleId":"com.example.app","environment":"Sandbox","price":1}`)) + "." + s,
		"signature not base64": h + "." + p + "." + s[:20] + "=" + s[21:],
	}, appstore.ErrVerification)
}

func TestAppRules(t *testing.T) {
	ca := appstoretest.NewCA()
	sandbox := newVerifier(t, ca, appstore.VerifierConfig{})
	prod := newVerifier(t, ca, appstore.VerifierConfig{Environment: appstore.Production, AppAppleID: 1234567890})
	otherApp := newVerifier(t, ca, appstore.VerifierConfig{BundleID: "com.example.other"})

	tx := transaction()
	_, err := otherApp.VerifyTransaction(ctx, sign(t, ca, tx))
	wantRefusal(t, err, appstore.ErrInvalidAppIdentifier)
	if strings.Contains(err.Error(), "com.example") {
		t.Errorf("error %q quotes a bundle ID", err)
	}
	_, err = prod.VerifyTransaction(ctx, sign(t, ca, tx))
	wantRefusal(t, err, appstore.ErrInvalidEnvironment)

	n := didRenew()
	_, err = otherApp.VerifyNotification(ctx, signN(t, ca, n))
	wantRefusal(t, err, appstore.ErrInvalidAppIdentifier)
	_, err = prod.VerifyNotification(ctx, signN(t, ca, n))
	wantRefusal(t, err, appstore.ErrInvalidEnvironment)

	// The App Apple ID counts in Production only.
	n.Data.AppAppleID = 42
	if _, err := sandbox.VerifyNotification(ctx, signN(t, ca, n)); err != nil {
		t.Errorf("sandbox, another App Apple ID: %v", err)
	}
	n.Data.Environment = appstore.Production
	_, err = prod.VerifyNotification(ctx, signN(t, ca, n))
	wantRefusal(t, err, appstore.ErrInvalidAppIdentifier)

	at := appstore.AppTransaction{ReceiptType: appstore.Production, AppAppleID: 42, BundleID: bundleID, ReceiptCreationDate: signedAt}
	_, err = prod.VerifyAppTransaction(ctx, sign(t, ca, at))
	wantRefusal(t, err, appstore.ErrInvalidAppIdentifier)
	at.AppAppleID, at.ReceiptType = 1234567890, appstore.Sandbox
	_, err = prod.VerifyAppTransaction(ctx, sign(t, ca, at))
	wantRefusal(t, err, appstore.ErrInvalidEnvironment)

	rr := appstore.RealtimeRequest{AppAppleID: 42, Environment: appstore.Production, SignedDate: signedAt}
	_, err = prod.VerifyRealtimeRequest(ctx, sign(t, ca, rr))
	wantRefusal(t, err, appstore.ErrInvalidAppIdentifier)

	ri := renewalInfo()
	ri.Environment = appstore.Production
	_, err = sandbox.VerifyRenewalInfo(ctx, sign(t, ca, ri))
	wantRefusal(t, err, appstore.ErrInvalidEnvironment)
	ri.Environment = "Staging"
	_, err = sandbox.VerifyRenewalInfo(ctx, sign(t, ca, ri))
	wantRefusal(t, err, appstore.ErrInvalidEnvironment)

	// A notification with no data, summary, externalPurchaseToken or
	// appData names no app.
	_, err = sandbox.VerifyNotification(ctx, sign(t, ca, map[string]any{"notificationType": "TEST", "signedDate": signedAt.UnixMilli()}))
	wantRefusal(t, err, appstore.ErrInvalidAppIdentifier)

	// externalPurchaseToken: SANDBOX... is Sandbox, anything else Production.
	ept := appstore.Notification{ExternalPurchaseToken: &appstore.ExternalPurchaseToken{ExternalPurchaseID: "abc", BundleID: bundleID}}
	_, err = sandbox.VerifyNotification(ctx, sign(t, ca, ept))
	wantRefusal(t, err, appstore.ErrInvalidEnvironment)
}

func TestNotificationRefusesWhatItCarries(t *testing.T) {
	ca := appstoretest.NewCA()
	v := newVerifier(t, ca, appstore.VerifierConfig{})
	for name, c := range map[string]struct {
		change func(*appstore.NotificationData)
		want   error
		part   string
	}{
		"transaction from another CA": {func(d *appstore.NotificationData) {
			d.SignedTransactionInfo = sign(t, appstoretest.NewCA(), transaction())
		}, appstore.ErrInvalidChain, "signedTransactionInfo"},
		"transaction for another app": {func(d *appstore.NotificationData) { d.Transaction.BundleID = "com.example.other" }, appstore.ErrInvalidAppIdentifier, "signedTransactionInfo"},
		"renewal info in production":  {func(d *appstore.NotificationData) { d.RenewalInfo.Environment = appstore.Production }, appstore.ErrInvalidEnvironment, "signedRenewalInfo"},
		"renewal info tampered with": {func(d *appstore.NotificationData) {
			h, _, s := parts(sign(t, ca, d.RenewalInfo))
			d.SignedRenewalInfo = h + "." + seg([]byte(`{"environment":"Sandbox"}`)) + "." + s
		}, appstore.ErrVerification, "signedRenewalInfo"},
	} {
		t.Run(name, func(t *testing.T) {
			n := didRenew()
			c.change(n.Data)
			_, err := v.VerifyNotification(ctx, signN(t, ca, n))
			wantRefusal(t, err, c.want)
			if !strings.Contains(err.Error(), c.part) {
				t.Errorf("error %q does not name %s", err, c.part)
			}
		})
	}
}

// TestChecksRunInApplesOrder breaks two rules at once and expects the
// earlier one: format, chain, signature, app.
func TestChecksRunInApplesOrder(t *testing.T) {
	ca, other := appstoretest.NewCA(), appstoretest.NewCA()
	v := newVerifier(t, ca, appstore.VerifierConfig{BundleID: "com.example.other", Environment: appstore.Production, AppAppleID: 1})
	wrongApp := transaction()

	// A payload field of the wrong type and no x5c: format first.
	_, err := v.VerifyTransaction(ctx, signJWS(t, ca.LeafKey(), map[string]any{"alg": "ES256"}, map[string]any{"bundleId": 7}))
	wantRefusal(t, err, appstore.ErrInvalidFormat)
	// Two certificates and alg ES384: the chain first.
	_, err = v.VerifyTransaction(ctx, signJWS(t, ca.LeafKey(), map[string]any{"alg": "ES384", "x5c": x5c(ca)[:2]}, wrongApp))
	wantRefusal(t, err, appstore.ErrInvalidChainLength)
	// A leaf without its OID from another CA: the OIDs before the root.
	_, err = v.VerifyTransaction(ctx, sign(t, other.LeafWithoutOID(), wrongApp))
	wantRefusal(t, err, appstore.ErrVerification)
	// An expired leaf from another CA: the root before the dates.
	_, err = v.VerifyTransaction(ctx, sign(t, other.ExpiredLeaf(), wrongApp))
	wantRefusal(t, err, appstore.ErrInvalidChain)
	// An expired leaf with alg ES384: the dates before the signature.
	expired := ca.ExpiredLeaf()
	_, err = v.VerifyTransaction(ctx, signJWS(t, expired.LeafKey(), map[string]any{"alg": "ES384", "x5c": x5c(expired)}, wrongApp))
	wantRefusal(t, err, appstore.ErrInvalidCertificate)
	// A bad signature for another app: the signature before the app.
	h, p, _ := parts(sign(t, ca, wrongApp))
	_, err = v.VerifyTransaction(ctx, h+"."+p+"."+seg(make([]byte, 64)))
	wantRefusal(t, err, appstore.ErrVerification)
	// The bundle ID before the environment.
	_, err = v.VerifyTransaction(ctx, sign(t, ca, wrongApp))
	wantRefusal(t, err, appstore.ErrInvalidAppIdentifier)
}

func TestXcodeChecksOnlyTheClaims(t *testing.T) {
	for _, env := range []appstore.Environment{appstore.Xcode, appstore.LocalTesting} {
		t.Run(string(env), func(t *testing.T) {
			v := newVerifier(t, nil, appstore.VerifierConfig{Environment: env})
			tx := transaction()
			tx.Environment = env
			key := apitest.NewKey(t)
			// No x5c, a key of its own, and no signature at all.
			h, p, _ := parts(signJWS(t, key, map[string]any{"kid": "Apple_Xcode_Key", "typ": "JWT"}, tx))
			got, err := v.VerifyTransaction(ctx, h+"."+p+".")
			if err != nil || got.TransactionID != tx.TransactionID {
				t.Fatalf("%v, %v", got, err)
			}
			tx.BundleID = "com.example.other"
			_, err = v.VerifyTransaction(ctx, signJWS(t, key, map[string]any{}, tx))
			wantRefusal(t, err, appstore.ErrInvalidAppIdentifier)
			tx.BundleID, tx.Environment = bundleID, appstore.Sandbox
			_, err = v.VerifyTransaction(ctx, signJWS(t, key, map[string]any{}, tx))
			wantRefusal(t, err, appstore.ErrInvalidEnvironment)
			_, err = v.VerifyTransaction(ctx, "e30."+p+".")
			if err != nil {
				t.Errorf("header {}: %v", err)
			}
			_, err = v.VerifyTransaction(ctx, "e30="+"."+p+".")
			wantRefusal(t, err, appstore.ErrInvalidFormat)
		})
	}
}

func TestNewVerifierRefusesIncompleteConfig(t *testing.T) {
	for name, c := range map[string]struct {
		cfg  appstore.VerifierConfig
		want string
	}{
		"no bundle ID":             {appstore.VerifierConfig{Environment: appstore.Sandbox}, "BundleID is empty"},
		"bundle ID with space":     {appstore.VerifierConfig{BundleID: " com.example", Environment: appstore.Sandbox}, "white space"},
		"bundle ID with a newline": {appstore.VerifierConfig{BundleID: "com.\nexample", Environment: appstore.Sandbox}, "control character"},
		"no environment":           {appstore.VerifierConfig{BundleID: bundleID}, "Environment is empty"},
		"unknown environment":      {appstore.VerifierConfig{BundleID: bundleID, Environment: "production"}, "not one of Apple's environments"},
		"production, no app ID":    {appstore.VerifierConfig{BundleID: bundleID, Environment: appstore.Production}, "AppAppleID is required with Production"},
		"negative app ID":          {appstore.VerifierConfig{BundleID: bundleID, Environment: appstore.Sandbox, AppAppleID: -1}, "negative"},
		"empty roots":              {appstore.VerifierConfig{BundleID: bundleID, Environment: appstore.Sandbox, Roots: []*x509.Certificate{}}, "Roots is empty"},
		"nil root":                 {appstore.VerifierConfig{BundleID: bundleID, Environment: appstore.Sandbox, Roots: []*x509.Certificate{nil}}, "Roots[0] is nil"},
	} {
		t.Run(name, func(t *testing.T) {
			v, err := appstore.NewVerifier(c.cfg)
			if err == nil || v != nil {
				t.Fatalf("NewVerifier = %v, %v; want an error", v, err)
			}
			if !strings.HasPrefix(err.Error(), "appstore: ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q; want it to say %q", err, c.want)
			}
		})
	}
}

// TestErrorsQuoteNothing checks that no part of a refused payload reaches
// the error text.
func TestErrorsQuoteNothing(t *testing.T) {
	ca := appstoretest.NewCA()
	v := newVerifier(t, ca, appstore.VerifierConfig{BundleID: "com.example.other"})
	tx := transaction()
	tx.BundleID = "com.secret.bundle"
	tx.Price = 123456789
	for _, signed := range []string{
		sign(t, ca, tx),
		signJWS(t, ca.LeafKey(), map[string]any{"alg": "ES256", "x5c": x5c(ca)}, map[string]any{"price": 1234567.5}),
		signJWS(t, ca.LeafKey(), map[string]any{"alg": "ES256", "x5c": []string{"secretcertificate", "b", "c"}}, tx),
		"secretsecret.secretsecret.secretsecret",
	} {
		_, err := v.VerifyTransaction(ctx, signed)
		if err == nil {
			t.Fatal("accepted")
		}
		h, p, s := parts(signed)
		for _, leak := range []string{"com.secret", "123456789", "1234567.5", "secret", h[:8], p[:8], s[:8]} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("error %q quotes %q", err, leak)
			}
		}
	}
}

// unsigned drops the signature of a compact JWS.
func unsigned(signed string) string {
	h, p, _ := parts(signed)
	return h + "." + p + "."
}

func parts(signed string) (h, p, s string) {
	a := strings.SplitN(signed, ".", 3)
	for len(a) < 3 {
		a = append(a, "")
	}
	return a[0], a[1], a[2]
}

// TestLeafIssuedByTheRootIsInvalidChain: a leaf the root signed itself,
// with any intermediate beside it in x5c, does not pass through that
// intermediate, so the intermediate's OID vouches for nothing.
func TestLeafIssuedByTheRootIsInvalidChain(t *testing.T) {
	ca := storeca.New().LeafIssuedByRoot()
	v := newVerifier(t, nil, appstore.VerifierConfig{Roots: ca.Roots()})
	signed, err := ca.Sign([]byte(mustJSON(t, transaction())))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.VerifyTransaction(ctx, signed)
	wantRefusal(t, err, appstore.ErrInvalidChain)
}
