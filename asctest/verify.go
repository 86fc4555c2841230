package asctest

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/claims"
)

// Rules a token can break, as [RuleError].Rule names them.
const (
	RuleFormat    = "format"    // not a compact JWS of JSON header and claims, or too large
	RuleAlgorithm = "alg"       // header alg is not ES256
	RuleType      = "typ"       // header typ is not JWT
	RuleKeyID     = "kid"       // header kid missing, unknown or other than expected
	RuleRevoked   = "revoked"   // the key, or this token, was revoked (Server.Revoke, Server.RevokeTokens)
	RuleSignature = "signature" // not a valid 64-byte R||S ES256 signature by the key
	RuleAudience  = "aud"       // aud is not the expected audience
	RuleIssuer    = "iss"       // iss wrong for a team key, or sub/iss wrong for an individual key
	RuleIssuedAt  = "iat"       // iat missing or in the future
	RuleExpiry    = "exp"       // exp missing, past, or too far ahead of the server clock
	RuleLifetime  = "lifetime"  // exp - iat over Apple's limit
	RuleScope     = "scope"     // scope malformed, or does not allow the request
)

// RuleError is the error [Verify] and the server return for a token that
// breaks one of Apple's rules.
type RuleError struct {
	Rule   string // one of the Rule constants
	Detail string // what was wrong, for people
}

// Error names the rule, then says what was wrong: "exp: the token expired
// 3m0s ago (...)".
func (e *RuleError) Error() string { return e.Rule + ": " + e.Detail }

func ruleErr(rule, format string, args ...any) *RuleError {
	return &RuleError{Rule: rule, Detail: fmt.Sprintf(format, args...)}
}

// Header is a token's JOSE header.
type Header struct {
	Algorithm string `json:"alg"`
	KeyID     string `json:"kid,omitempty"`
	Type      string `json:"typ,omitempty"`
}

// Claims are a token's claims. IssuedAt and Expiry are zero when absent.
type Claims struct {
	Issuer   string   `json:"iss,omitempty"`
	Subject  string   `json:"sub,omitempty"`
	Audience string   `json:"aud,omitempty"`
	IssuedAt int64    `json:"iat,omitempty"`
	Expiry   int64    `json:"exp,omitempty"`
	Scope    []string `json:"scope,omitempty"`
	BundleID string   `json:"bid,omitempty"`
}

// Token is a parsed token: its header and claims, and what was signed.
type Token struct {
	Header Header
	Claims Claims

	signingInput string // header.payload
	signature    []byte
}

// Size limits: a token with a few scopes is well under a kilobyte; these
// bound the work spent on junk.
const (
	maxTokenSize  = 8 << 10
	maxHeaderSize = 1 << 10
)

// Parse decodes a compact JWS into its header and claims without checking
// the signature or any rule but the format. Use it to show a token; use
// [Verify] to trust one.
func Parse(token string) (*Token, error) {
	if len(token) > maxTokenSize {
		return nil, ruleErr(RuleFormat, "the token is %d bytes, over the %d a token has any need of", len(token), maxTokenSize)
	}
	head, rest, ok1 := strings.Cut(token, ".")
	payload, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(sig, ".") {
		return nil, ruleErr(RuleFormat, "the token is not a compact JWS: want three base64url parts separated by dots, header.payload.signature")
	}
	if len(head) > maxHeaderSize {
		return nil, ruleErr(RuleFormat, "the token header is %d bytes; a JWT header is well under %d", len(head), maxHeaderSize)
	}
	t := &Token{signingInput: token[:len(head)+1+len(payload)]}
	if err := decodePart("header", head, &t.Header); err != nil {
		return nil, err
	}
	if err := decodePart("payload", payload, &t.Claims); err != nil {
		return nil, err
	}
	var err error
	if t.signature, err = base64.RawURLEncoding.DecodeString(sig); err != nil {
		return nil, ruleErr(RuleFormat, "the signature is not base64url without padding")
	}
	return t, nil
}

func decodePart(name, part string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return ruleErr(RuleFormat, "the %s is not base64url without padding", name)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return ruleErr(RuleFormat, "the %s is not the JSON object a JWT needs: %v", name, err)
	}
	return nil
}

// VerifyOptions say what [Verify] expects beyond Apple's fixed rules. The zero
// value checks a token of either kind of key against the real clock.
type VerifyOptions struct {
	// Now is the verifier's clock reading; zero means time.Now().
	Now time.Time
	// KeyID, when set, is the kid the header must carry.
	KeyID string
	// IssuerID, when set, makes the token a team key's: iss must equal it.
	IssuerID string
	// Individual makes the token an individual key's: sub "user" and no iss.
	// With neither IssuerID nor Individual, either form passes.
	Individual bool
	// Audience is the aud the token must carry; empty means
	// "appstoreconnect-v1".
	Audience string
	// Leeway is how far in the future iat may be; zero means 5 seconds.
	Leeway time.Duration
	// Request, when set, is the request the token is used for: a scoped
	// token must allow it.
	Request *http.Request
}

// DefaultLeeway is how far in the future a token's iat may be by default.
const DefaultLeeway = 5 * time.Second

// Verify checks token against pub and Apple's rules and returns it parsed.
// An error is a *[RuleError] naming the first rule the token breaks. The
// checks are: a compact JWS of sane size; alg ES256 (so "none", HS256 and
// RS256 fail before any key is used); a 64-byte R||S signature valid for
// pub; typ JWT; kid present (and equal to opts.KeyID if set); aud; iss or
// sub "user" as the key's kind requires; iat present and not in the future;
// exp in the future and no more than the lifetime limit ahead of now; exp -
// iat within Apple's limit (20 minutes, 60 with bid, 180 days for a scope of
// GETs on long-lived resources); every scope entry well formed and, with
// opts.Request, one of them allowing the request.
func Verify(token string, pub *ecdsa.PublicKey, opts VerifyOptions) (*Token, error) {
	t, err := Parse(token)
	if err != nil {
		return nil, err
	}
	return t, t.verify(pub, opts)
}

func (t *Token) verify(pub *ecdsa.PublicKey, opts VerifyOptions) error {
	if err := t.checkAlgorithm(); err != nil {
		return err
	}
	if err := t.checkSignature(pub); err != nil {
		return err
	}
	h, c := t.Header, t.Claims
	if h.Type != "JWT" {
		return ruleErr(RuleType, "header typ is %q; want \"JWT\"", h.Type)
	}
	if h.KeyID == "" {
		return ruleErr(RuleKeyID, "header kid is missing; want the key's ID from App Store Connect")
	}
	if opts.KeyID != "" && h.KeyID != opts.KeyID {
		return ruleErr(RuleKeyID, "header kid is %q; want %q", h.KeyID, opts.KeyID)
	}
	audience := opts.Audience
	if audience == "" {
		audience = "appstoreconnect-v1"
	}
	if c.Audience != audience {
		return ruleErr(RuleAudience, "aud is %q; want %q", c.Audience, audience)
	}
	if err := c.checkIssuer(opts); err != nil {
		return err
	}
	return c.checkTimes(opts)
}

func (t *Token) checkAlgorithm() error {
	if t.Header.Algorithm != "ES256" {
		return ruleErr(RuleAlgorithm, "header alg is %q; Apple accepts only ES256", t.Header.Algorithm)
	}
	return nil
}

// checkSignature verifies the signature with crypto/ecdsa directly, a path
// independent of the go-jose code that signs in package ascjwt.
func (t *Token) checkSignature(pub *ecdsa.PublicKey) error {
	if len(t.signature) != 64 {
		return ruleErr(RuleSignature, "the signature is %d bytes; ES256 in a JWS is 64 bytes, R||S (not ASN.1 DER)", len(t.signature))
	}
	digest := sha256.Sum256([]byte(t.signingInput))
	r := new(big.Int).SetBytes(t.signature[:32])
	s := new(big.Int).SetBytes(t.signature[32:])
	if pub == nil || !ecdsa.Verify(pub, digest[:], r, s) {
		return ruleErr(RuleSignature, "the signature does not verify with the key's public key")
	}
	return nil
}

func (c Claims) checkIssuer(opts VerifyOptions) error {
	switch {
	case opts.IssuerID != "":
		if c.Issuer != opts.IssuerID {
			return ruleErr(RuleIssuer, "iss is %q; want the team key's issuer ID %q", c.Issuer, opts.IssuerID)
		}
	case opts.Individual:
		if c.Issuer != "" || c.Subject != "user" {
			return ruleErr(RuleIssuer, "an individual key's token must have sub \"user\" and no iss; it has iss %q, sub %q", c.Issuer, c.Subject)
		}
	default:
		if (c.Issuer == "") == (c.Subject != "user") {
			return ruleErr(RuleIssuer, "want iss (a team key's issuer ID) or sub \"user\" (an individual key), not both or neither; it has iss %q, sub %q", c.Issuer, c.Subject)
		}
	}
	return nil
}

func (c Claims) checkTimes(opts VerifyOptions) error {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	leeway := opts.Leeway
	if leeway == 0 {
		leeway = DefaultLeeway
	}
	if c.IssuedAt == 0 {
		return ruleErr(RuleIssuedAt, "iat is missing; want the time the token was made, in Unix seconds")
	}
	iat, exp := time.Unix(c.IssuedAt, 0), time.Unix(c.Expiry, 0)
	if ahead := iat.Sub(now); ahead > leeway {
		return ruleErr(RuleIssuedAt, "iat is %s in the future by the server's clock; check the client's clock, or backdate iat", ahead.Round(time.Second))
	}
	if c.Expiry == 0 {
		return ruleErr(RuleExpiry, "exp is missing; want the expiry time in Unix seconds")
	}
	if !exp.After(now) {
		return ruleErr(RuleExpiry, "the token expired %s ago (exp %s)", now.Sub(exp).Round(time.Second), exp.UTC().Format(time.RFC3339))
	}
	scopes, err := claims.ParseScopes(c.Scope)
	if err != nil {
		return ruleErr(RuleScope, "%v", err)
	}
	limit, rule := claims.Limit(c.Audience, scopes, c.BundleID)
	if lifetime := exp.Sub(iat); lifetime > limit {
		return ruleErr(RuleLifetime, "exp - iat is %s; the limit is %s", lifetime, rule)
	}
	if ahead := exp.Sub(now); ahead > limit {
		return ruleErr(RuleExpiry, "exp is %s ahead of the server's clock; the limit is %s (a client clock running fast causes this)", ahead.Round(time.Second), rule)
	}
	if opts.Request != nil && len(scopes) > 0 && !anyAllows(scopes, opts.Request) {
		return ruleErr(RuleScope, "the token's scope %q does not allow %s %s", c.Scope, opts.Request.Method, opts.Request.URL.RequestURI())
	}
	return nil
}

func anyAllows(scopes []claims.Scope, r *http.Request) bool {
	for _, s := range scopes {
		if s.Allows(r.Method, r.URL) {
			return true
		}
	}
	return false
}
