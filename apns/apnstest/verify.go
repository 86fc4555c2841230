package apnstest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"
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
// now. It uses crypto/ecdsa directly, not the code that makes the tokens,
// so that the two check each other.
func verify(value string, lookup func(kid string) (Key, bool), now time.Time) (verified, *refusal) {
	if len(value) > maxTokenLen {
		return verified{}, refuse(ReasonInvalidProviderToken, "the token is %d bytes, more than %d", len(value), maxTokenLen)
	}
	parts := strings.Split(value, ".")
	if len(parts) != 3 {
		return verified{}, refuse(ReasonInvalidProviderToken, "not a compact JWS: %d parts, want header.claims.signature", len(parts))
	}
	enc := base64.RawURLEncoding.Strict()
	header, err := decodePart(enc, parts[0])
	if err != nil {
		return verified{}, refuse(ReasonInvalidProviderToken, "header: %v", err)
	}
	alg, algOK := stringField(header, "alg")
	kid, kidOK := stringField(header, "kid")
	typ, typOK := stringField(header, "typ")
	_, hasTyp := header["typ"]
	_, hasCrit := header["crit"]
	// alg first: a token of another algorithm ("none", HS256) is refused
	// before any key is looked at.
	switch {
	case !algOK:
		return verified{}, refuse(ReasonInvalidProviderToken, "header has no alg string; APNs takes ES256 only")
	case alg != "ES256":
		return verified{}, refuse(ReasonInvalidProviderToken, "header alg is not ES256; APNs takes ES256 only")
	case !kidOK:
		return verified{}, refuse(ReasonInvalidProviderToken, "header has no kid string")
	case hasTyp && (!typOK || typ != "JWT"):
		return verified{}, refuse(ReasonInvalidProviderToken, "header typ is neither absent nor JWT")
	case hasCrit:
		return verified{}, refuse(ReasonInvalidProviderToken, "header crit names extensions the server does not understand")
	}
	key, ok := lookup(kid)
	if !ok {
		return verified{}, refuse(ReasonInvalidProviderToken, "header kid names no key of this server")
	}
	sig, err := enc.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return verified{}, refuse(ReasonInvalidProviderToken, "the signature is not 64 bytes of R||S in base64url")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(&key.PrivateKey.PublicKey, digest[:], r, s) {
		return verified{}, refuse(ReasonInvalidProviderToken, "the signature does not verify with key %s", key.ID)
	}
	claims, err := decodePart(enc, parts[1])
	if err != nil {
		return verified{}, refuse(ReasonInvalidProviderToken, "claims: %v", err)
	}
	iss, issOK := stringField(claims, "iss")
	rawIat, hasIat := claims["iat"]
	switch {
	case !issOK:
		return verified{}, refuse(ReasonInvalidProviderToken, "claims have no iss string; want the team ID")
	case iss != key.TeamID:
		return verified{}, refuse(ReasonInvalidProviderToken, "iss is not the team ID of key %s", key.ID)
	case !hasIat:
		return verified{}, refuse(ReasonInvalidProviderToken, "claims have no iat")
	}
	var iat int64
	if err := json.Unmarshal(rawIat, &iat); err != nil {
		return verified{}, refuse(ReasonInvalidProviderToken, "iat is not a whole number of seconds")
	}
	switch at := now.Unix(); {
	case iat > at:
		return verified{}, refuse(ReasonInvalidProviderToken, "iat is %ds ahead of the server's clock", iat-at)
	case at-iat > int64(maxAge/time.Second):
		return verified{}, refuse(ReasonExpiredProviderToken, "iat is %s old, more than an hour", time.Duration(at-iat)*time.Second)
	}
	return verified{keyID: key.ID, id: parts[2]}, nil
}

// decodePart decodes one strict base64url part as a JSON object, by its
// names exactly as spelt, refusing a name given twice, which a lax decoder
// would take the last of.
func decodePart(enc *base64.Encoding, part string) (map[string]json.RawMessage, error) {
	raw, err := enc.DecodeString(part)
	if err != nil {
		return nil, fmt.Errorf("not strict base64url")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	if err := checkDuplicates(raw); err != nil {
		return nil, err
	}
	return fields, nil
}

// stringField returns the field name of m if it is a JSON string.
func stringField(m map[string]json.RawMessage, name string) (string, bool) {
	raw, ok := m[name]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// checkDuplicates refuses a top-level name that appears twice.
func checkDuplicates(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return fmt.Errorf("not a JSON object")
	}
	seen := make(map[string]bool)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("not a JSON object")
		}
		name, _ := t.(string)
		if seen[name] {
			return fmt.Errorf("a name appears twice")
		}
		seen[name] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return fmt.Errorf("not a JSON object")
		}
	}
	return nil
}
