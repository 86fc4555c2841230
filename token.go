package ascjwt

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Token is a signed App Store Connect token. Put Value in the Authorization
// header as "Bearer " + Value; [Transport] does that for you.
//
// A Token prints redacted: with any fmt verb, through log/slog, and encoded
// as JSON, XML, gob or text it shows its key ID and expiry, never Value, so
// it is safe to log. To store the value, store Value itself.
type Token struct {
	// Value is the compact JWS, header.payload.signature: the secret part.
	Value string
	// IssuedAt is the token's "iat" claim.
	IssuedAt time.Time
	// Expiry is the token's "exp" claim: Apple refuses the token from then on.
	Expiry time.Time
}

// String describes the token without its value: key ID and expiry.
func (t Token) String() string {
	return fmt.Sprintf("ascjwt.Token{kid:%q expires:%s value:redacted}", t.keyID(), t.Expiry.UTC().Format(time.RFC3339))
}

// Format makes every fmt verb (%v, %+v, %#v, %s, %q, %x, %d, ...) print
// String, so that no format of a [Token] shows its value.
func (t Token) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", t.String())
		return
	}
	fmt.Fprint(f, t.String())
}

// LogValue keeps the value out of log/slog output, whichever handler is used.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("kid", t.keyID()),
		slog.Time("expires", t.Expiry),
		slog.String("value", "redacted"),
	)
}

// MarshalJSON encodes the token redacted, as {"kid":...,"expires":...,
// "value":"redacted"}, so that a Token inside a struct that is logged as
// JSON (slog's JSONHandler, an API answer) does not carry its value.
func (t Token) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		KeyID   string    `json:"kid"`
		Expires time.Time `json:"expires"`
		Value   string    `json:"value"`
	}{t.keyID(), t.Expiry.UTC(), "redacted"})
}

// MarshalText encodes the token as String does, for the encoders that take
// text (encoding/xml, map keys in encoding/json).
func (t Token) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// GobEncode encodes the token as String does: encoding/gob would otherwise
// write its fields, Value included. A Token is not meant to be stored and
// read back; store Value if you must.
func (t Token) GobEncode() ([]byte, error) { return []byte(t.String()), nil }

// keyID reads "kid" from the token's header, which is not secret. It returns
// "?" for a value that is not a JWS.
func (t Token) keyID() string {
	head, _, ok := strings.Cut(t.Value, ".")
	if !ok || len(head) > 1024 {
		return "?"
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(head)
	if err != nil {
		return "?"
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if json.Unmarshal(raw, &h) != nil || h.Kid == "" || len(h.Kid) > 64 {
		return "?"
	}
	return h.Kid
}
