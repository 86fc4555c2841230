// Package token defines what every token source of the module and the
// Transport share: the token, the hooks that watch them, and the hooks'
// events. The root package's Token, Hooks, TokenMinted, RefreshFailed,
// Retry401, RateLimitWait and RateLimit are aliases of these, so that the
// shared source (internal/devtoken) makes ascjwt's tokens and calls
// ascjwt's hooks without importing the root package. Their documentation
// for users is on the aliases. Source is the root's TokenSource as the
// internal packages see it.
package token

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/redact"
)

// Token is a signed token and when it was issued and expires: ascjwt.Token.
type Token struct {
	// Value is the token itself, for the Authorization header: the secret
	// part.
	Value string
	// IssuedAt is the token's "iat" claim.
	IssuedAt time.Time
	// Expiry is when the token stops being accepted (its "exp" claim).
	Expiry time.Time

	// authorization is "Bearer " + Value, made with the token by New, so
	// that a request does not build it again; empty for a Token made
	// otherwise.
	authorization string
}

// Source has ascjwt.TokenSource's one method, for the internal packages,
// which cannot name the root's interface: every token source of the module
// is one, and a value of either is a value of the other.
type Source interface {
	Token(ctx context.Context) (*Token, error)
}

// bearer starts an Authorization header's value.
const bearer = "Bearer "

// New returns a token for value, with its Authorization header value made
// once. Every source of the module makes its tokens with it.
func New(value string, issuedAt, expiry time.Time) Token {
	auth := bearer + value
	return Token{Value: auth[len(bearer):], IssuedAt: issuedAt, Expiry: expiry, authorization: auth}
}

// Authorization returns "Bearer " + t.Value: the value made by New, while
// it still matches t.Value, or a new one for a token made otherwise (a
// source of the caller's) or whose Value was changed.
func Authorization(t *Token) string {
	if a := t.authorization; len(a) == len(bearer)+len(t.Value) && a[len(bearer):] == t.Value {
		return a
	}
	return bearer + t.Value
}

// String describes the token without its value: key ID and expiry.
func (t Token) String() string {
	return fmt.Sprintf("ascjwt.Token{kid:%q expires:%s value:redacted}", t.keyID(), t.Expiry.UTC().Format(time.RFC3339))
}

// Format makes every fmt verb (%v, %+v, %#v, %s, %q, %x, %d, ...) print
// String, so that no format of a Token shows its value.
func (t Token) Format(f fmt.State, verb rune) { redact.Format(f, verb, t.String()) }

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
// JSON (slog's JSONHandler, an API response) does not carry its value.
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

// keyID reads "kid" from the token's header, which is not secret. It
// returns "?" for a value that is not a JWS (an exchanged access token).
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
