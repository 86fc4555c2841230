package appstore

import "time"

// AdvancedCommerceTransactionInfo is what a transaction for an Advanced
// Commerce API product adds (advancedCommerceInfo). Its enumerations (the
// period, the offer and refund reasons) are Apple's strings.
type AdvancedCommerceTransactionInfo struct {
	Descriptors        *AdvancedCommerceDescriptors      `json:"descriptors,omitzero"`
	EstimatedTax       int64                             `json:"estimatedTax,omitzero"` // in milliunits
	Items              []AdvancedCommerceTransactionItem `json:"items,omitzero"`
	Period             string                            `json:"period,omitzero"` // ISO 8601 duration, such as P1M
	RequestReferenceID string                            `json:"requestReferenceId,omitzero"`
	TaxCode            string                            `json:"taxCode,omitzero"`
	TaxExclusivePrice  int64                             `json:"taxExclusivePrice,omitzero"` // in milliunits
	TaxRate            string                            `json:"taxRate,omitzero"`           // a decimal, such as 0.08875
}

// AdvancedCommerceRenewalInfo is what a renewal info for an Advanced
// Commerce API subscription adds (advancedCommerceInfo).
type AdvancedCommerceRenewalInfo struct {
	ConsistencyToken   string                        `json:"consistencyToken,omitzero"`
	Descriptors        *AdvancedCommerceDescriptors  `json:"descriptors,omitzero"`
	Items              []AdvancedCommerceRenewalItem `json:"items,omitzero"`
	Period             string                        `json:"period,omitzero"`
	RequestReferenceID string                        `json:"requestReferenceId,omitzero"`
	TaxCode            string                        `json:"taxCode,omitzero"`
}

// AdvancedCommerceDescriptors is the display name and description of an
// Advanced Commerce purchase or item.
type AdvancedCommerceDescriptors struct {
	Description string `json:"description,omitzero"`
	DisplayName string `json:"displayName,omitzero"`
}

// AdvancedCommerceTransactionItem is one item of an Advanced Commerce
// transaction.
type AdvancedCommerceTransactionItem struct {
	SKU            string                   `json:"SKU,omitzero"`
	Description    string                   `json:"description,omitzero"`
	DisplayName    string                   `json:"displayName,omitzero"`
	Offer          *AdvancedCommerceOffer   `json:"offer,omitzero"`
	Price          int64                    `json:"price,omitzero"` // in milliunits
	Refunds        []AdvancedCommerceRefund `json:"refunds,omitzero"`
	RevocationDate time.Time                `json:"revocationDate,omitzero"`
}

// UnmarshalJSON reads Apple's form: dates in milliseconds since 1970.
func (i *AdvancedCommerceTransactionItem) UnmarshalJSON(b []byte) error {
	return unmarshalApple(b, i)
}

// MarshalJSON writes Apple's form.
func (i AdvancedCommerceTransactionItem) MarshalJSON() ([]byte, error) {
	return marshalApple(&i)
}

// AdvancedCommerceRenewalItem is one item of an Advanced Commerce
// subscription's next renewal.
type AdvancedCommerceRenewalItem struct {
	SKU               string                             `json:"SKU,omitzero"`
	Description       string                             `json:"description,omitzero"`
	DisplayName       string                             `json:"displayName,omitzero"`
	Offer             *AdvancedCommerceOffer             `json:"offer,omitzero"`
	Price             int64                              `json:"price,omitzero"` // in milliunits
	PriceIncreaseInfo *AdvancedCommercePriceIncreaseInfo `json:"priceIncreaseInfo,omitzero"`
}

// AdvancedCommerceOffer is a discount on an Advanced Commerce item.
type AdvancedCommerceOffer struct {
	Period      string `json:"period,omitzero"` // ISO 8601 duration, such as P1M
	PeriodCount int    `json:"periodCount,omitzero"`
	Price       int64  `json:"price,omitzero"`  // in milliunits
	Reason      string `json:"reason,omitzero"` // ACQUISITION, WIN_BACK, RETENTION
}

// AdvancedCommerceRefund is one refund of an Advanced Commerce item.
type AdvancedCommerceRefund struct {
	RefundAmount int64     `json:"refundAmount,omitzero"` // in milliunits
	RefundDate   time.Time `json:"refundDate,omitzero"`
	RefundReason string    `json:"refundReason,omitzero"`
	RefundType   string    `json:"refundType,omitzero"` // FULL, PRORATED, CUSTOM
}

// UnmarshalJSON reads Apple's form: dates in milliseconds since 1970.
func (r *AdvancedCommerceRefund) UnmarshalJSON(b []byte) error { return unmarshalApple(b, r) }

// MarshalJSON writes Apple's form.
func (r AdvancedCommerceRefund) MarshalJSON() ([]byte, error) { return marshalApple(&r) }

// AdvancedCommercePriceIncreaseInfo is a price increase scheduled for an
// Advanced Commerce subscription item.
type AdvancedCommercePriceIncreaseInfo struct {
	DependentSKUs []string `json:"dependentSKUs,omitzero"`
	Price         int64    `json:"price,omitzero"`  // in milliunits
	Status        string   `json:"status,omitzero"` // SCHEDULED, PENDING, ACCEPTED
}
