package appstore

import (
	"encoding/json"
	"time"
)

// A Transaction is a verified signedTransactionInfo: one purchase, restore
// or renewal, as the App Store Server API, a notification or StoreKit hands
// it over (Apple's JWSTransactionDecodedPayload).
//
// Dates are zero when the payload has none. Raw is the payload as signed,
// with any field Apple adds after this version.
type Transaction struct {
	OriginalTransactionID       string            `json:"originalTransactionId,omitzero"`
	TransactionID               string            `json:"transactionId,omitzero"`
	WebOrderLineItemID          string            `json:"webOrderLineItemId,omitzero"`
	BundleID                    string            `json:"bundleId,omitzero"`
	ProductID                   string            `json:"productId,omitzero"`
	SubscriptionGroupIdentifier string            `json:"subscriptionGroupIdentifier,omitzero"`
	PurchaseDate                time.Time         `json:"purchaseDate,omitzero"`
	OriginalPurchaseDate        time.Time         `json:"originalPurchaseDate,omitzero"`
	ExpiresDate                 time.Time         `json:"expiresDate,omitzero"` // auto-renewable subscriptions
	Quantity                    int               `json:"quantity,omitzero"`
	Type                        ProductType       `json:"type,omitzero"`
	AppAccountToken             string            `json:"appAccountToken,omitzero"` // the UUID the app set at purchase
	InAppOwnershipType          OwnershipType     `json:"inAppOwnershipType,omitzero"`
	SignedDate                  time.Time         `json:"signedDate,omitzero"`
	RevocationReason            *RevocationReason `json:"revocationReason,omitzero"` // nil unless refunded or revoked
	RevocationDate              time.Time         `json:"revocationDate,omitzero"`
	IsUpgraded                  bool              `json:"isUpgraded,omitzero"`
	OfferType                   OfferType         `json:"offerType,omitzero"`
	OfferIdentifier             string            `json:"offerIdentifier,omitzero"`
	Environment                 Environment       `json:"environment,omitzero"`
	Storefront                  string            `json:"storefront,omitzero"` // ISO 3166-1 alpha-3
	StorefrontID                string            `json:"storefrontId,omitzero"`
	TransactionReason           TransactionReason `json:"transactionReason,omitzero"`
	Currency                    string            `json:"currency,omitzero"` // ISO 4217
	Price                       int64             `json:"price,omitzero"`    // in milliunits of Currency
	OfferDiscountType           OfferDiscountType `json:"offerDiscountType,omitzero"`
	AppTransactionID            string            `json:"appTransactionId,omitzero"`
	OfferPeriod                 string            `json:"offerPeriod,omitzero"` // ISO 8601 duration
	RevocationType              RevocationType    `json:"revocationType,omitzero"`
	RevocationPercentage        int               `json:"revocationPercentage,omitzero"` // in milliunits: 100000 is all
	BillingPlanType             BillingPlanType   `json:"billingPlanType,omitzero"`

	CommitmentInfo       *TransactionCommitmentInfo       `json:"commitmentInfo,omitzero"`
	AdvancedCommerceInfo *AdvancedCommerceTransactionInfo `json:"advancedCommerceInfo,omitzero"` // Advanced Commerce API products only

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON reads Apple's form: dates in milliseconds since 1970.
func (t *Transaction) UnmarshalJSON(b []byte) error { return unmarshalApple(b, t) }

// MarshalJSON writes Apple's form of the fields above (not Raw), so that a
// Transaction can be signed as test data.
func (t Transaction) MarshalJSON() ([]byte, error) { return marshalApple(&t) }

// claims name the app by its bundle ID alone: a transaction carries no
// appAppleId.
func (t *Transaction) claims() payloadClaims {
	return payloadClaims{signedAt: t.SignedDate, bundleID: &t.BundleID, env: t.Environment}
}

// TransactionCommitmentInfo describes a subscription with a billing
// commitment, as of the transaction (commitmentInfo).
type TransactionCommitmentInfo struct {
	BillingPeriodNumber   int       `json:"billingPeriodNumber,omitzero"`
	CommitmentExpiresDate time.Time `json:"commitmentExpiresDate,omitzero"`
	CommitmentPrice       int64     `json:"commitmentPrice,omitzero"` // in milliunits
	TotalBillingPeriods   int       `json:"totalBillingPeriods,omitzero"`

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON reads Apple's form: dates in milliseconds since 1970.
func (c *TransactionCommitmentInfo) UnmarshalJSON(b []byte) error { return unmarshalApple(b, c) }

// MarshalJSON writes Apple's form of the fields above (not Raw).
func (c TransactionCommitmentInfo) MarshalJSON() ([]byte, error) { return marshalApple(&c) }
