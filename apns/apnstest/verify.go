package apnstest

import (
	"fmt"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakejwt"
	"github.com/ascjwt/ascjwt/internal/fakeserver"
)

// Reasons the server gives, as APNs spells them in its JSON bodies
// ("Handling notification responses from APNs").
const (
	ReasonMissingProviderToken        = "MissingProviderToken"        // 403: no token in the authorization header
	ReasonInvalidProviderToken        = "InvalidProviderToken"        // 403: not a valid token of a key the server knows
	ReasonExpiredProviderToken        = "ExpiredProviderToken"        // 403: iat more than an hour old
	ReasonTooManyProviderTokenUpdates = "TooManyProviderTokenUpdates" // 429: the connection's token changed within 20 minutes
	ReasonBadPath                     = "BadPath"                     // 404: not /3/device/{token}
	ReasonMethodNotAllowed            = "MethodNotAllowed"            // 405: not POST
	ReasonBadDeviceToken              = "BadDeviceToken"              // 400: the device token is not hexadecimal
	ReasonMissingTopic                = "MissingTopic"                // 400: no apns-topic header, which token authentication requires
	ReasonBadMessageID                = "BadMessageId"                // 400: an apns-id that is not a UUID
	ReasonPayloadEmpty                = "PayloadEmpty"                // 400: no body
	ReasonPayloadTooLarge             = "PayloadTooLarge"             // 413: a body over 4 KiB
)

// maxAge is how old a token's iat may be (Establishing a token-based
// connection to APNs).
const maxAge = time.Hour

// maxTokenLen bounds the token the server looks at: Apple's is about 200
// bytes.
const maxTokenLen = 4 << 10

// refusal is why a token was refused: Apple's reason, and a detail for
// people (Stats.LastDetail), which never holds the token.
type refusal struct {
	reason string
	detail string
}

func refuse(reason, format string, args ...any) *refusal {
	return &refusal{reason: reason, detail: fmt.Sprintf(format, args...)}
}

// verified is a token that passed: its key and its identity (the
// signature, which strict base64url makes unique to the token).
type verified struct {
	keyID string
	id    string
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
	return verified{keyID: tok.KeyID, id: tok.Signature}, nil
}
