package appstore

import (
	"encoding/json"
	"time"
)

// A RenewalInfo is a verified signedRenewalInfo: the renewal state of an
// auto-renewable subscription (Apple's JWSRenewalInfoDecodedPayload).
//
// Dates are zero when the payload has none. Raw is the payload as signed,
// with any field Apple adds after this version.
type RenewalInfo struct {
	ExpirationIntent            ExpirationIntent     `json:"expirationIntent,omitzero"`
	OriginalTransactionID       string               `json:"originalTransactionId,omitzero"`
	AutoRenewProductID          string               `json:"autoRenewProductId,omitzero"`
	ProductID                   string               `json:"productId,omitzero"`
	AutoRenewStatus             AutoRenewStatus      `json:"autoRenewStatus"`
	IsInBillingRetryPeriod      bool                 `json:"isInBillingRetryPeriod,omitzero"`
	PriceIncreaseStatus         *PriceIncreaseStatus `json:"priceIncreaseStatus,omitzero"` // nil without a price increase
	GracePeriodExpiresDate      time.Time            `json:"gracePeriodExpiresDate,omitzero"`
	OfferType                   OfferType            `json:"offerType,omitzero"`
	OfferIdentifier             string               `json:"offerIdentifier,omitzero"`
	SignedDate                  time.Time            `json:"signedDate,omitzero"`
	Environment                 Environment          `json:"environment,omitzero"`
	RecentSubscriptionStartDate time.Time            `json:"recentSubscriptionStartDate,omitzero"`
	RenewalDate                 time.Time            `json:"renewalDate,omitzero"`
	Currency                    string               `json:"currency,omitzero"`     // ISO 4217
	RenewalPrice                int64                `json:"renewalPrice,omitzero"` // in milliunits of Currency
	OfferDiscountType           OfferDiscountType    `json:"offerDiscountType,omitzero"`
	EligibleWinBackOfferIDs     []string             `json:"eligibleWinBackOfferIds,omitzero"`
	AppAccountToken             string               `json:"appAccountToken,omitzero"`
	AppTransactionID            string               `json:"appTransactionId,omitzero"`
	OfferPeriod                 string               `json:"offerPeriod,omitzero"` // ISO 8601 duration
	RenewalBillingPlanType      BillingPlanType      `json:"renewalBillingPlanType,omitzero"`

	CommitmentInfo       *RenewalCommitmentInfo       `json:"commitmentInfo,omitzero"`
	AdvancedCommerceInfo *AdvancedCommerceRenewalInfo `json:"advancedCommerceInfo,omitzero"` // Advanced Commerce API products only

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON reads Apple's form: dates in milliseconds since 1970.
func (r *RenewalInfo) UnmarshalJSON(b []byte) error { return unmarshalApple(b, r) }

// MarshalJSON writes Apple's form of the fields above (not Raw), so that a
// RenewalInfo can be signed as test data.
func (r RenewalInfo) MarshalJSON() ([]byte, error) { return marshalApple(&r) }

// claims name no app: a renewal info carries no bundleId.
func (r *RenewalInfo) claims() payloadClaims {
	return payloadClaims{signedAt: r.SignedDate, env: r.Environment}
}

// RenewalCommitmentInfo describes the next term of a subscription with a
// billing commitment (commitmentInfo).
type RenewalCommitmentInfo struct {
	CommitmentAutoRenewProductID     string          `json:"commitmentAutoRenewProductId,omitzero"`
	CommitmentAutoRenewStatus        AutoRenewStatus `json:"commitmentAutoRenewStatus"`
	CommitmentRenewalBillingPlanType BillingPlanType `json:"commitmentRenewalBillingPlanType,omitzero"`
	CommitmentRenewalDate            time.Time       `json:"commitmentRenewalDate,omitzero"`
	CommitmentRenewalPrice           int64           `json:"commitmentRenewalPrice,omitzero"` // in milliunits

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON reads Apple's form: dates in milliseconds since 1970.
func (c *RenewalCommitmentInfo) UnmarshalJSON(b []byte) error { return unmarshalApple(b, c) }

// MarshalJSON writes Apple's form of the fields above (not Raw).
func (c RenewalCommitmentInfo) MarshalJSON() ([]byte, error) { return marshalApple(&c) }
