package ascjwt

import "github.com/ascjwt/ascjwt/internal/token"

// Token is a signed token: App Store Connect's, or that of any source in
// this module. Put Value in the Authorization header as "Bearer " + Value;
// [Transport] does that for you. Its fields:
//
//	Value    string    // the compact JWS, header.payload.signature: the secret part
//	IssuedAt time.Time // the token's "iat" claim
//	Expiry   time.Time // the token's "exp" claim: Apple refuses the token from then on
//
// A Token prints redacted: with any fmt verb (String, Format), through
// log/slog (LogValue), and encoded as JSON, XML, gob or text (MarshalJSON,
// MarshalText, GobEncode) it shows its key ID and expiry, never Value, so
// it is safe to log. To store the value, store Value itself. A token a
// source returns is shared: read it, do not modify it.
//
// Token is the one token type every package of the module shares: an
// alias of the type the sources are built on.
type Token = token.Token
