package apnstest

import (
	"fmt"
	"time"

	"github.com/ascjwt/ascjwt/apns"
	"github.com/ascjwt/ascjwt/internal/fakejwt"
	"github.com/ascjwt/ascjwt/internal/fakeserver"
)

// Reasons the server gives, as APNs spells them in its JSON bodies
// ("Handling notification responses from APNs"): package apns's constants,
// which [apns.CheckResponse] reads back.
const (
	ReasonMissingProviderToken        = apns.ReasonMissingProviderToken        // 403: no token in the authorization header
	ReasonInvalidProviderToken        = apns.ReasonInvalidProviderToken        // 403: not a valid token of a key the server knows
	ReasonExpiredProviderToken        = apns.ReasonExpiredProviderToken        // 403: iat more than an hour old
	ReasonTooManyProviderTokenUpdates = apns.ReasonTooManyProviderTokenUpdates // 429: the connection's token replaced by one made within 20 minutes of it
	ReasonBadPath                     = apns.ReasonBadPath                     // 404: not /3/device/{token}
	ReasonMethodNotAllowed            = apns.ReasonMethodNotAllowed            // 405: not POST
	ReasonBadDeviceToken              = apns.ReasonBadDeviceToken              // 400: the device token is not hexadecimal
	ReasonMissingTopic                = apns.ReasonMissingTopic                // 400: no apns-topic header, which token authentication requires
	ReasonBadMessageID                = apns.ReasonBadMessageID                // 400: an apns-id that is not a UUID
	ReasonPayloadEmpty                = apns.ReasonPayloadEmpty                // 400: no body
	ReasonPayloadTooLarge             = apns.ReasonPayloadTooLarge             // 413: a body over 4 KiB (5 KiB for VoIP)
	ReasonUnregistered                = apns.ReasonUnregistered                // 410: a device token given to Unregister
)

// maxAge is how old a token's iat may be (Establishing a token-based
// connection to APNs).
const maxAge = time.Hour

// maxTokenLen bounds the token the server looks at: Apple's is about 200
// bytes.
const maxTokenLen = 4 << 10

// refusal is why a push was refused: Apple's reason, for a 410 the
// timestamp, and a detail for people (Stats.LastDetail), which never holds
// the token.
type refusal struct {
	reason    string
	timestamp time.Time
	detail    string
}

// errorBody is APNs' JSON body for a refusal.
type errorBody struct {
	Reason    string `json:"reason"`
	Timestamp int64  `json:"timestamp,omitempty"` // milliseconds since the epoch, for a 410
}

func (r *refusal) body() errorBody {
	b := errorBody{Reason: r.reason}
	if !r.timestamp.IsZero() {
		b.Timestamp = r.timestamp.UnixMilli()
	}
	return b
}

func refuse(reason, format string, args ...any) *refusal {
	return &refusal{reason: reason, detail: fmt.Sprintf(format, args...)}
}

// verified is a token that passed: its key, its identity
// ([fakejwt.Token].ID, the same however the token is respelled) and its iat.
type verified struct {
	keyID string
	id    string
	iat   int64
}

// verify checks value by APNs' rules with keys looked up by key ID, at
// now. It uses internal/fakejwt (crypto/ecdsa directly), not the code that
// makes the tokens, so that the two check each other. Every refusal but an
// old iat is InvalidProviderToken.
func verify(value string, lookup func(kid string) (Key, error), now time.Time) (verified, *refusal) {
	tok, err := fakejwt.Verify(value, fakejwt.Rules{MaxLen: maxTokenLen, Key: fakeserver.PublicKeys(lookup)})
	if err != nil {
		return verified{}, refuse(ReasonInvalidProviderToken, "%v", err)
	}
	iat, err := tok.Payload.Int("iat")
	if err != nil {
		return verified{}, refuse(ReasonInvalidProviderToken, "%v", err)
	}
	switch at := now.Unix(); {
	case iat > at:
		return verified{}, refuse(ReasonInvalidProviderToken, "iat is %ds ahead of the server's clock", iat-at)
	case at-iat > int64(maxAge/time.Second):
		return verified{}, refuse(ReasonExpiredProviderToken, "iat is %s old, more than an hour", time.Duration(at-iat)*time.Second)
	}
	return verified{keyID: tok.KeyID, id: tok.ID, iat: iat}, nil
}
