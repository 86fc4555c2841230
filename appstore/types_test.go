package appstore_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/appstore/appstoretest"
)

func TestAppleRootCAG3IsApplesRoot(t *testing.T) {
	root := appstore.AppleRootCAG3()
	sum := sha256.Sum256(root.Raw)
	const want = "63343abfb89a6a03ebb57e9b3f5fa7be7c4f5c756f3017b3a8c488c3653e9179" // 63:34:3A:BF:...:91:79
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("SHA-256 fingerprint %s; want %s", got, want)
	}
	if root.Subject.CommonName != "Apple Root CA - G3" || !root.IsCA {
		t.Errorf("subject %v", root.Subject)
	}
	root.Raw[0] ^= 1 // a caller's copy: the next one is intact
	if again := sha256.Sum256(appstore.AppleRootCAG3().Raw); hex.EncodeToString(again[:]) != want {
		t.Error("AppleRootCAG3 hands out the package's own bytes")
	}
}

// ms is a date as Apple writes it.
func ms(t time.Time) int64 { return t.UnixMilli() }

func TestTransactionDecodesEveryField(t *testing.T) {
	ca := appstoretest.NewCA()
	v := newVerifier(t, ca, appstore.VerifierConfig{})
	d := func(day int) time.Time { return time.Date(2025, 9, day, 10, 0, 0, 0, time.UTC) }
	payload := `{
		"originalTransactionId": "100", "transactionId": "101", "webOrderLineItemId": "102",
		"bundleId": "com.example.app", "productId": "com.example.app.yearly",
		"subscriptionGroupIdentifier": "21000000", "purchaseDate": ` + itoa(ms(d(1))) + `,
		"originalPurchaseDate": ` + itoa(ms(d(2))) + `, "expiresDate": ` + itoa(ms(d(3))) + `,
		"quantity": 2, "type": "Auto-Renewable Subscription",
		"appAccountToken": "7e3fb20b-4cdb-47cc-936d-99d65f608138", "inAppOwnershipType": "FAMILY_SHARED",
		"signedDate": ` + itoa(ms(d(4))) + `, "revocationReason": 0, "revocationDate": ` + itoa(ms(d(5))) + `,
		"isUpgraded": true, "offerType": 4, "offerIdentifier": "winback", "environment": "Sandbox",
		"storefront": "USA", "storefrontId": "143441", "transactionReason": "RENEWAL", "currency": "EUR",
		"price": 10990, "offerDiscountType": "PAY_AS_YOU_GO", "appTransactionId": "704", "offerPeriod": "P1M",
		"revocationType": "REFUND_PRORATED", "revocationPercentage": 50000, "billingPlanType": "MONTHLY",
		"commitmentInfo": {"billingPeriodNumber": 3, "commitmentExpiresDate": ` + itoa(ms(d(6))) + `, "commitmentPrice": 99000, "totalBillingPeriods": 12},
		"advancedCommerceInfo": {"descriptors": {"description": "d", "displayName": "n"}, "estimatedTax": 10,
			"items": [{"SKU": "sku1", "description": "i", "displayName": "j", "price": 5000, "revocationDate": ` + itoa(ms(d(7))) + `,
				"offer": {"period": "P1M", "periodCount": 2, "price": 4000, "reason": "ACQUISITION"},
				"refunds": [{"refundAmount": 100, "refundDate": ` + itoa(ms(d(8))) + `, "refundReason": "LEGAL", "refundType": "CUSTOM"}]}],
			"period": "P1Y", "requestReferenceId": "ref", "taxCode": "C003-00-2", "taxExclusivePrice": 4990, "taxRate": "0.08875"},
		"addedTomorrow": {"kept": true}
	}`
	got, err := v.VerifyTransaction(ctx, sign(t, ca, json.RawMessage(payload)))
	if err != nil {
		t.Fatal(err)
	}
	reason := appstore.RefundedForOtherReason
	want := appstore.Transaction{
		OriginalTransactionID: "100", TransactionID: "101", WebOrderLineItemID: "102",
		BundleID: "com.example.app", ProductID: "com.example.app.yearly", SubscriptionGroupIdentifier: "21000000",
		PurchaseDate: d(1), OriginalPurchaseDate: d(2), ExpiresDate: d(3), Quantity: 2, Type: appstore.AutoRenewableSubscription,
		AppAccountToken: "7e3fb20b-4cdb-47cc-936d-99d65f608138", InAppOwnershipType: appstore.FamilyShared,
		SignedDate: d(4), RevocationReason: &reason, RevocationDate: d(5), IsUpgraded: true,
		OfferType: appstore.WinBackOffer, OfferIdentifier: "winback", Environment: appstore.Sandbox,
		Storefront: "USA", StorefrontID: "143441", TransactionReason: appstore.ReasonRenewal, Currency: "EUR",
		Price: 10990, OfferDiscountType: appstore.PayAsYouGo, AppTransactionID: "704", OfferPeriod: "P1M",
		RevocationType: appstore.RefundProrated, RevocationPercentage: 50000, BillingPlanType: appstore.Monthly,
		CommitmentInfo: &appstore.TransactionCommitmentInfo{BillingPeriodNumber: 3, CommitmentExpiresDate: d(6), CommitmentPrice: 99000, TotalBillingPeriods: 12},
		AdvancedCommerceInfo: &appstore.AdvancedCommerceTransactionInfo{
			Descriptors: &appstore.AdvancedCommerceDescriptors{Description: "d", DisplayName: "n"}, EstimatedTax: 10,
			Items: []appstore.AdvancedCommerceTransactionItem{{SKU: "sku1", Description: "i", DisplayName: "j", Price: 5000, RevocationDate: d(7),
				Offer:   &appstore.AdvancedCommerceOffer{Period: "P1M", PeriodCount: 2, Price: 4000, Reason: "ACQUISITION"},
				Refunds: []appstore.AdvancedCommerceRefund{{RefundAmount: 100, RefundDate: d(8), RefundReason: "LEGAL", RefundType: "CUSTOM"}}}},
			Period: "P1Y", RequestReferenceID: "ref", TaxCode: "C003-00-2", TaxExclusivePrice: 4990, TaxRate: "0.08875"},
	}
	if !strings.Contains(string(got.Raw), `"addedTomorrow"`) {
		t.Errorf("Raw lost a field this version does not know: %s", got.Raw)
	}
	clearRaw(got)
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", *got, want)
	}
}

func TestRenewalInfoDecodesEveryField(t *testing.T) {
	ca := appstoretest.NewCA()
	v := newVerifier(t, ca, appstore.VerifierConfig{})
	d := func(day int) time.Time { return time.Date(2025, 9, day, 10, 0, 0, 0, time.UTC) }
	payload := `{
		"expirationIntent": 3, "originalTransactionId": "100", "autoRenewProductId": "a", "productId": "p",
		"autoRenewStatus": 0, "isInBillingRetryPeriod": true, "priceIncreaseStatus": 0,
		"gracePeriodExpiresDate": ` + itoa(ms(d(1))) + `, "offerType": 2, "offerIdentifier": "promo",
		"signedDate": ` + itoa(ms(d(2))) + `, "environment": "Sandbox", "recentSubscriptionStartDate": ` + itoa(ms(d(3))) + `,
		"renewalDate": ` + itoa(ms(d(4))) + `, "currency": "USD", "renewalPrice": 4990, "offerDiscountType": "FREE_TRIAL",
		"eligibleWinBackOfferIds": ["w1", "w2"], "appAccountToken": "t", "appTransactionId": "704", "offerPeriod": "P1W",
		"renewalBillingPlanType": "BILLED_UPFRONT",
		"commitmentInfo": {"commitmentAutoRenewProductId": "c", "commitmentAutoRenewStatus": 1, "commitmentRenewalBillingPlanType": "MONTHLY",
			"commitmentRenewalDate": ` + itoa(ms(d(5))) + `, "commitmentRenewalPrice": 100},
		"advancedCommerceInfo": {"consistencyToken": "ct", "descriptors": {"description": "d", "displayName": "n"},
			"items": [{"SKU": "s", "description": "i", "displayName": "j", "price": 1,
				"priceIncreaseInfo": {"dependentSKUs": ["s2"], "price": 2, "status": "SCHEDULED"}}],
			"period": "P1M", "requestReferenceId": "r", "taxCode": "tc"}
	}`
	got, err := v.VerifyRenewalInfo(ctx, sign(t, ca, json.RawMessage(payload)))
	if err != nil {
		t.Fatal(err)
	}
	notResponded := appstore.PriceIncreaseNotResponded
	want := appstore.RenewalInfo{
		ExpirationIntent: appstore.CustomerDidNotConsentToPriceIncrease, OriginalTransactionID: "100", AutoRenewProductID: "a", ProductID: "p",
		AutoRenewStatus: appstore.AutoRenewOff, IsInBillingRetryPeriod: true, PriceIncreaseStatus: &notResponded,
		GracePeriodExpiresDate: d(1), OfferType: appstore.PromotionalOffer, OfferIdentifier: "promo", SignedDate: d(2),
		Environment: appstore.Sandbox, RecentSubscriptionStartDate: d(3), RenewalDate: d(4), Currency: "USD", RenewalPrice: 4990,
		OfferDiscountType: appstore.FreeTrial, EligibleWinBackOfferIDs: []string{"w1", "w2"}, AppAccountToken: "t", AppTransactionID: "704",
		OfferPeriod: "P1W", RenewalBillingPlanType: appstore.BilledUpfront,
		CommitmentInfo: &appstore.RenewalCommitmentInfo{CommitmentAutoRenewProductID: "c", CommitmentAutoRenewStatus: appstore.AutoRenewOn,
			CommitmentRenewalBillingPlanType: appstore.Monthly, CommitmentRenewalDate: d(5), CommitmentRenewalPrice: 100},
		AdvancedCommerceInfo: &appstore.AdvancedCommerceRenewalInfo{ConsistencyToken: "ct", Descriptors: &appstore.AdvancedCommerceDescriptors{Description: "d", DisplayName: "n"},
			Items: []appstore.AdvancedCommerceRenewalItem{{SKU: "s", Description: "i", DisplayName: "j", Price: 1,
				PriceIncreaseInfo: &appstore.AdvancedCommercePriceIncreaseInfo{DependentSKUs: []string{"s2"}, Price: 2, Status: "SCHEDULED"}}},
			Period: "P1M", RequestReferenceID: "r", TaxCode: "tc"},
	}
	clearRaw(got)
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", *got, want)
	}
}

func TestNotificationAppTransactionAndRealtimeDecodeEveryField(t *testing.T) {
	ca := appstoretest.NewCA()
	prod := newVerifier(t, ca, appstore.VerifierConfig{Environment: appstore.Production, AppAppleID: 99})
	d := func(day int) time.Time { return time.Date(2025, 9, day, 10, 0, 0, 0, time.UTC) }

	n, err := prod.VerifyNotification(ctx, sign(t, ca, json.RawMessage(`{"notificationType": "CONSUMPTION_REQUEST", "subtype": "UNREPORTED",
		"notificationUUID": "u", "version": "2.0", "signedDate": `+itoa(ms(d(1)))+`,
		"data": {"environment": "Production", "appAppleId": 99, "bundleId": "com.example.app", "bundleVersion": "7",
			"status": 4, "consumptionRequestReason": "FULFILLMENT_ISSUE"}}`)))
	if err != nil {
		t.Fatal(err)
	}
	clearRaw(n)
	want := appstore.Notification{NotificationType: appstore.NotificationConsumptionRequest, Subtype: appstore.SubtypeUnreported,
		NotificationUUID: "u", Version: "2.0", SignedDate: d(1),
		Data: &appstore.NotificationData{Environment: appstore.Production, AppAppleID: 99, BundleID: bundleID, BundleVersion: "7",
			Status: appstore.StatusBillingGracePeriod, ConsumptionRequestReason: appstore.FulfillmentIssue}}
	if !reflect.DeepEqual(*n, want) {
		t.Errorf("notification\n%+v\nwant\n%+v", *n, want)
	}

	n, err = prod.VerifyNotification(ctx, sign(t, ca, json.RawMessage(`{"notificationType": "RENEWAL_EXTENSION", "subtype": "SUMMARY",
		"summary": {"environment": "Production", "appAppleId": 99, "bundleId": "com.example.app", "productId": "p",
			"requestIdentifier": "r", "storefrontCountryCodes": ["USA", "CAN"], "succeededCount": 5, "failedCount": 2}}`)))
	if err != nil {
		t.Fatal(err)
	}
	clearRaw(n)
	if s := n.Summary; !reflect.DeepEqual(*s, appstore.Summary{Environment: appstore.Production, AppAppleID: 99, BundleID: bundleID,
		ProductID: "p", RequestIdentifier: "r", StorefrontCountryCodes: []string{"USA", "CAN"}, SucceededCount: 5, FailedCount: 2}) {
		t.Errorf("summary %+v", s)
	}

	n, err = prod.VerifyNotification(ctx, sign(t, ca, json.RawMessage(`{"notificationType": "EXTERNAL_PURCHASE_TOKEN", "subtype": "UNREPORTED",
		"externalPurchaseToken": {"externalPurchaseId": "e", "tokenCreationDate": `+itoa(ms(d(2)))+`, "appAppleId": 99, "bundleId": "com.example.app"}}`)))
	if err != nil {
		t.Fatal(err)
	}
	clearRaw(n)
	if e := n.ExternalPurchaseToken; !reflect.DeepEqual(*e, appstore.ExternalPurchaseToken{ExternalPurchaseID: "e", TokenCreationDate: d(2), AppAppleID: 99, BundleID: bundleID}) {
		t.Errorf("external purchase token %+v", e)
	}

	at, err := prod.VerifyAppTransaction(ctx, sign(t, ca, json.RawMessage(`{"receiptType": "Production", "appAppleId": 99,
		"bundleId": "com.example.app", "applicationVersion": "2.1", "versionExternalIdentifier": 8123, "receiptCreationDate": `+itoa(ms(d(3)))+`,
		"originalPurchaseDate": `+itoa(ms(d(4)))+`, "originalApplicationVersion": "1.0", "deviceVerification": "dv",
		"deviceVerificationNonce": "n", "preorderDate": `+itoa(ms(d(5)))+`, "appTransactionId": "704", "originalPlatform": "visionOS"}`)))
	if err != nil {
		t.Fatal(err)
	}
	clearRaw(at)
	if !reflect.DeepEqual(*at, appstore.AppTransaction{ReceiptType: appstore.Production, AppAppleID: 99, BundleID: bundleID,
		ApplicationVersion: "2.1", VersionExternalIdentifier: 8123, ReceiptCreationDate: d(3), OriginalPurchaseDate: d(4),
		OriginalApplicationVersion: "1.0", DeviceVerification: "dv", DeviceVerificationNonce: "n", PreorderDate: d(5),
		AppTransactionID: "704", OriginalPlatform: appstore.VisionOS}) {
		t.Errorf("app transaction %+v", at)
	}

	rr, err := prod.VerifyRealtimeRequest(ctx, sign(t, ca, json.RawMessage(`{"originalTransactionId": "o", "appAppleId": 99,
		"productId": "p", "userLocale": "fr-FR", "requestIdentifier": "r", "signedDate": `+itoa(ms(d(6)))+`, "environment": "Production"}`)))
	if err != nil {
		t.Fatal(err)
	}
	clearRaw(rr)
	if !reflect.DeepEqual(*rr, appstore.RealtimeRequest{OriginalTransactionID: "o", AppAppleID: 99, ProductID: "p", UserLocale: "fr-FR",
		RequestIdentifier: "r", SignedDate: d(6), Environment: appstore.Production}) {
		t.Errorf("realtime request %+v", rr)
	}
}

// TestXcodeDatesDecode reads dates as StoreKit testing in Xcode writes
// them: fractional milliseconds, and the year 1 for a date it lacks.
func TestXcodeDatesDecode(t *testing.T) {
	v := newVerifier(t, nil, appstore.VerifierConfig{Environment: appstore.Xcode, BundleID: "com.example.naturelab"})
	at, err := v.VerifyAppTransaction(ctx, "e30."+seg([]byte(`{"bundleId":"com.example.naturelab","receiptType":"Xcode",
		"receiptCreationDate":1697680122257.447,"originalPurchaseDate":-62135769600000,"preorderDate":1.5e12}`))+".")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.UnixMilli(1697680122257).Add(447 * time.Microsecond); !at.ReceiptCreationDate.Equal(want) {
		t.Errorf("receiptCreationDate %v; want %v", at.ReceiptCreationDate, want)
	}
	if want := time.Date(0, 12, 30, 0, 0, 0, 0, time.UTC); !at.OriginalPurchaseDate.Equal(want) { // Swift's Date.distantPast
		t.Errorf("originalPurchaseDate %v; want %v", at.OriginalPurchaseDate, want)
	}
	if want := time.UnixMilli(1.5e12); !at.PreorderDate.Equal(want) {
		t.Errorf("preorderDate %v; want %v", at.PreorderDate, want)
	}
}

func TestUnknownEnumerationValuesAreKept(t *testing.T) {
	ca := appstoretest.NewCA()
	v := newVerifier(t, ca, appstore.VerifierConfig{})
	tx, err := v.VerifyTransaction(ctx, sign(t, ca, json.RawMessage(`{"bundleId":"com.example.app","environment":"Sandbox",
		"type":"Subscription Bundle","offerType":9,"revocationReason":7,"inAppOwnershipType":"BORROWED"}`)))
	if err != nil {
		t.Fatal(err)
	}
	if tx.Type != "Subscription Bundle" || tx.OfferType != 9 || *tx.RevocationReason != 7 || tx.InAppOwnershipType != "BORROWED" {
		t.Errorf("%+v", tx)
	}
}

// TestMarshalWritesApplesForm checks that a value encodes to the JSON
// Apple sends, which decodes to the same value: what appstoretest signs.
func TestMarshalWritesApplesForm(t *testing.T) {
	tx := transaction()
	tx.PurchaseDate = time.UnixMilli(1697679936049).Add(729700 * time.Nanosecond).UTC()
	tx.ExpiresDate = time.Date(0, 12, 30, 0, 0, 0, 0, time.UTC)
	b, err := json.Marshal(tx)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"purchaseDate":1697679936049.7297`, `"expiresDate":-62135769600000`, `"signedDate":` + itoa(ms(signedAt)), `"price":9990`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not hold %s", b, want)
		}
	}
	for _, absent := range []string{"revocationDate", "revocationReason", "Raw", "commitmentInfo", "0001-01-01"} {
		if strings.Contains(string(b), absent) {
			t.Errorf("%s holds %s", b, absent)
		}
	}
	var back appstore.Transaction
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if string(back.Raw) != string(b) {
		t.Errorf("Raw %s; want %s", back.Raw, b)
	}
	back.Raw = nil
	if !reflect.DeepEqual(back, tx) {
		t.Errorf("round trip\n%+v\nwant\n%+v", back, tx)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// clearRaw sets every Raw field reachable from v to nil, so that decoded
// values compare with literals.
func clearRaw(v any) { clearRawValue(reflect.ValueOf(v)) }

func clearRawValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			clearRawValue(v.Elem())
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.Uint8 {
			for i := range v.Len() {
				clearRawValue(v.Index(i))
			}
		}
	case reflect.Struct:
		if f := v.FieldByName("Raw"); f.IsValid() {
			f.SetBytes(nil)
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				clearRawValue(v.Field(i))
			}
		}
	}
}
