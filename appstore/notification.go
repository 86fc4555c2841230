package appstore

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// A Notification is a verified App Store Server Notification V2: the
// decoded signedPayload (Apple's ResponseBodyV2DecodedPayload).
//
// One of Data, Summary, ExternalPurchaseToken and AppData is set, by
// notification type. Raw is the payload as signed, with any field Apple
// adds after this version.
type Notification struct {
	NotificationType      NotificationType       `json:"notificationType,omitzero"`
	Subtype               Subtype                `json:"subtype,omitzero"`
	NotificationUUID      string                 `json:"notificationUUID,omitzero"` // the same on every retry of one notification
	Data                  *NotificationData      `json:"data,omitzero"`
	Summary               *Summary               `json:"summary,omitzero"`               // RENEWAL_EXTENSION with subtype SUMMARY
	ExternalPurchaseToken *ExternalPurchaseToken `json:"externalPurchaseToken,omitzero"` // EXTERNAL_PURCHASE_TOKEN
	AppData               *AppData               `json:"appData,omitzero"`               // RESCIND_CONSENT
	Version               string                 `json:"version,omitzero"`
	SignedDate            time.Time              `json:"signedDate,omitzero"`

	Raw json.RawMessage `json:"-"`
}

// decode reads Apple's JSON into n in one pass over b, which n keeps as
// Raw. data and appData, which carry whole JWS strings, are decoded in that
// pass as plain structs, not through their own UnmarshalJSON, which would
// have encoding/json scan those strings twice more (a notification's cost
// is mostly their bytes); their Raw is found in b afterwards.
func (n *Notification) decode(b []byte) error {
	type plain Notification
	type data NotificationData
	type appData AppData
	w := struct {
		*plain
		SignedDate millis   `json:"signedDate"`
		Data       *data    `json:"data"`
		AppData    *appData `json:"appData"`
	}{plain: (*plain)(n), SignedDate: millis{&n.SignedDate}}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	n.Raw = b
	n.Data, n.AppData = (*NotificationData)(w.Data), (*AppData)(w.AppData)
	if n.Data != nil {
		n.Data.Raw = member(b, "data")
	}
	if n.AppData != nil {
		n.AppData.Raw = member(b, "appData")
	}
	return nil
}

// UnmarshalJSON reads Apple's form: dates in milliseconds since 1970.
func (n *Notification) UnmarshalJSON(b []byte) error { return n.decode(bytes.Clone(b)) }

// MarshalJSON writes Apple's form of the fields above (not Raw, and not
// the decoded Transaction, RenewalInfo or AppTransaction beside the signed
// strings), so that a Notification can be signed as test data.
func (n Notification) MarshalJSON() ([]byte, error) { return marshalApple(&n) }

// NotificationData is a notification's app metadata and signed
// transaction and renewal information (data).
//
// [Verifier.VerifyNotification] verifies SignedTransactionInfo and
// SignedRenewalInfo by the same rules as the notification and fills
// Transaction and RenewalInfo with what they hold.
type NotificationData struct {
	Environment              Environment              `json:"environment,omitzero"`
	AppAppleID               int64                    `json:"appAppleId,omitzero"`
	BundleID                 string                   `json:"bundleId,omitzero"`
	BundleVersion            string                   `json:"bundleVersion,omitzero"`
	SignedTransactionInfo    string                   `json:"signedTransactionInfo,omitzero"`
	SignedRenewalInfo        string                   `json:"signedRenewalInfo,omitzero"`
	Status                   SubscriptionStatus       `json:"status,omitzero"`
	ConsumptionRequestReason ConsumptionRequestReason `json:"consumptionRequestReason,omitzero"`

	Transaction *Transaction `json:"-"` // SignedTransactionInfo, verified; nil without one
	RenewalInfo *RenewalInfo `json:"-"` // SignedRenewalInfo, verified; nil without one

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes the data object and keeps it as Raw.
func (d *NotificationData) UnmarshalJSON(b []byte) error { return unmarshalApple(b, d) }

// Summary reports the outcome of a request to extend the renewal date of
// every eligible subscriber (summary).
type Summary struct {
	Environment            Environment `json:"environment,omitzero"`
	AppAppleID             int64       `json:"appAppleId,omitzero"`
	BundleID               string      `json:"bundleId,omitzero"`
	ProductID              string      `json:"productId,omitzero"`
	RequestIdentifier      string      `json:"requestIdentifier,omitzero"`
	StorefrontCountryCodes []string    `json:"storefrontCountryCodes,omitzero"`
	SucceededCount         int64       `json:"succeededCount,omitzero"`
	FailedCount            int64       `json:"failedCount,omitzero"`

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes the summary object and keeps it as Raw.
func (s *Summary) UnmarshalJSON(b []byte) error { return unmarshalApple(b, s) }

// ExternalPurchaseToken is the token of a purchase made outside the App
// Store under the External Purchase entitlement (externalPurchaseToken).
// It names no environment: Apple's rule is that an ExternalPurchaseID that
// starts with "SANDBOX" is Sandbox, and any other Production.
type ExternalPurchaseToken struct {
	ExternalPurchaseID string    `json:"externalPurchaseId,omitzero"`
	TokenCreationDate  time.Time `json:"tokenCreationDate,omitzero"`
	AppAppleID         int64     `json:"appAppleId,omitzero"`
	BundleID           string    `json:"bundleId,omitzero"`

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON reads Apple's form: dates in milliseconds since 1970.
func (e *ExternalPurchaseToken) UnmarshalJSON(b []byte) error { return unmarshalApple(b, e) }

// MarshalJSON writes Apple's form of the fields above (not Raw).
func (e ExternalPurchaseToken) MarshalJSON() ([]byte, error) { return marshalApple(&e) }

// AppData is the app metadata and signed app transaction of a
// RESCIND_CONSENT notification (appData). [Verifier.VerifyNotification]
// verifies SignedAppTransactionInfo and fills AppTransaction.
type AppData struct {
	AppAppleID               int64       `json:"appAppleId,omitzero"`
	BundleID                 string      `json:"bundleId,omitzero"`
	Environment              Environment `json:"environment,omitzero"`
	SignedAppTransactionInfo string      `json:"signedAppTransactionInfo,omitzero"`

	AppTransaction *AppTransaction `json:"-"` // SignedAppTransactionInfo, verified; nil without one

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes the appData object and keeps it as Raw.
func (a *AppData) UnmarshalJSON(b []byte) error { return unmarshalApple(b, a) }

// claims are where the app checks of a notification come from: Apple's
// libraries take the first of data, summary, externalPurchaseToken and
// appData that the payload has.
func (n *Notification) claims() payloadClaims {
	c := payloadClaims{signedAt: n.SignedDate}
	switch {
	case n.Data != nil:
		c.bundleID, c.appAppleID, c.env = &n.Data.BundleID, &n.Data.AppAppleID, n.Data.Environment
	case n.Summary != nil:
		c.bundleID, c.appAppleID, c.env = &n.Summary.BundleID, &n.Summary.AppAppleID, n.Summary.Environment
	case n.ExternalPurchaseToken != nil:
		c.bundleID, c.appAppleID, c.env = &n.ExternalPurchaseToken.BundleID, &n.ExternalPurchaseToken.AppAppleID, Production
		if strings.HasPrefix(n.ExternalPurchaseToken.ExternalPurchaseID, "SANDBOX") {
			c.env = Sandbox
		}
	case n.AppData != nil:
		c.bundleID, c.appAppleID, c.env = &n.AppData.BundleID, &n.AppData.AppAppleID, n.AppData.Environment
	default:
		c.noApp = "the notification has none of data, summary, externalPurchaseToken and appData, so it names no app"
	}
	return c
}
