package appstore

import (
	"encoding/json"
	"time"
)

// A RealtimeRequest is a verified Retention Messaging API request: the
// decoded signedPayload the App Store sends to your real-time endpoint
// when a customer is about to see a retention message (Apple's
// DecodedRealtimeRequestBody).
//
// Raw is the payload as signed, with any field Apple adds after this
// version.
type RealtimeRequest struct {
	OriginalTransactionID string      `json:"originalTransactionId,omitzero"`
	AppAppleID            int64       `json:"appAppleId,omitzero"`
	ProductID             string      `json:"productId,omitzero"`
	UserLocale            string      `json:"userLocale,omitzero"` // such as en-US
	RequestIdentifier     string      `json:"requestIdentifier,omitzero"`
	SignedDate            time.Time   `json:"signedDate,omitzero"`
	Environment           Environment `json:"environment,omitzero"`

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON reads Apple's form: dates in milliseconds since 1970.
func (r *RealtimeRequest) UnmarshalJSON(b []byte) error { return unmarshalApple(b, r) }

// MarshalJSON writes Apple's form of the fields above (not Raw), so that a
// RealtimeRequest can be signed as test data.
func (r RealtimeRequest) MarshalJSON() ([]byte, error) { return marshalApple(&r) }

// claims name the app by its App Apple ID alone: a realtime request
// carries no bundleId.
func (r *RealtimeRequest) claims() payloadClaims {
	return payloadClaims{signedAt: r.SignedDate, appAppleID: &r.AppAppleID, env: r.Environment}
}
