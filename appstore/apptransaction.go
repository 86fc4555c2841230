package appstore

import (
	"encoding/json"
	"time"
)

// An AppTransaction is a verified signed app transaction: the customer's
// purchase of the app itself, from StoreKit's AppTransaction or the App
// Store Server API (Apple's JWSAppTransactionDecodedPayload).
//
// ReceiptCreationDate is when the App Store signed it, and plays the part
// SignedDate plays for the other payloads. Raw is the payload as signed,
// with any field Apple adds after this version.
type AppTransaction struct {
	ReceiptType                Environment      `json:"receiptType,omitzero"` // the environment
	AppAppleID                 int64            `json:"appAppleId,omitzero"`
	BundleID                   string           `json:"bundleId,omitzero"`
	ApplicationVersion         string           `json:"applicationVersion,omitzero"`
	VersionExternalIdentifier  int64            `json:"versionExternalIdentifier,omitzero"`
	ReceiptCreationDate        time.Time        `json:"receiptCreationDate,omitzero"`
	OriginalPurchaseDate       time.Time        `json:"originalPurchaseDate,omitzero"`
	OriginalApplicationVersion string           `json:"originalApplicationVersion,omitzero"`
	DeviceVerification         string           `json:"deviceVerification,omitzero"`
	DeviceVerificationNonce    string           `json:"deviceVerificationNonce,omitzero"`
	PreorderDate               time.Time        `json:"preorderDate,omitzero"`
	AppTransactionID           string           `json:"appTransactionId,omitzero"`
	OriginalPlatform           PurchasePlatform `json:"originalPlatform,omitzero"`

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON reads Apple's form: dates in milliseconds since 1970.
func (a *AppTransaction) UnmarshalJSON(b []byte) error { return unmarshalApple(b, a) }

// MarshalJSON writes Apple's form of the fields above (not Raw), so that
// an AppTransaction can be signed as test data.
func (a AppTransaction) MarshalJSON() ([]byte, error) { return marshalApple(&a) }

// claims take receiptCreationDate for the signing date and receiptType for
// the environment.
func (a *AppTransaction) claims() payloadClaims {
	return payloadClaims{signedAt: a.ReceiptCreationDate, bundleID: &a.BundleID, appAppleID: &a.AppAppleID, env: a.ReceiptType}
}
