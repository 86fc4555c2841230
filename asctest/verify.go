package asctest

import (
	"crypto/ecdsa"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/claims"
	"github.com/ascjwt/ascjwt/internal/fakejwt"
)

// Rules a token can break, as [RuleError].Rule names them.
const (
	RuleFormat    = "format"    // not a compact JWS of JSON header and claims (strict base64url, UTF-8), or too large
	RuleDuplicate = "duplicate" // a name appears twice in the header or the claims
	RuleAlgorithm = "alg"       // header alg is not ES256
	RuleUnencoded = "b64"       // header b64 is false: an unencoded payload (RFC 7797), which Apple does not take
	RuleCritical  = "crit"      // header crit lists an extension (RFC 7515 section 4.1.11); none is understood
	RuleType      = "typ"       // header typ present and not JWT (a missing typ is fine)
	RuleKeyID     = "kid"       // header kid missing, unknown or other than expected
	RuleRevoked   = "revoked"   // the key, or this token, was revoked (Server.Revoke, Server.RevokeTokens)
	RuleSignature = "signature" // not a valid 64-byte R||S ES256 signature by the key
	RuleAudience  = "aud"       // aud does not name the expected audience
	RuleIssuer    = "iss"       // iss wrong for a team key, or sub/iss wrong for an individual key
	RuleNotBefore = "nbf"       // nbf in the future
	RuleIssuedAt  = "iat"       // iat in the future
	RuleExpiry    = "exp"       // exp missing, past, in milliseconds, or too far ahead of the server clock
	RuleLifetime  = "lifetime"  // exp - iat (or exp - now without iat) over Apple's limit
	RuleScope     = "scope"     // scope malformed, or does not allow the request
	RuleBundleID  = "bid"       // bid missing on an App Store Server API request (/inApps/...), present on any other, or from an individual key
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
	Algorithm string   `json:"alg"`
	KeyID     string   `json:"kid,omitempty"`
	Type      string   `json:"typ,omitempty"`
	Critical  []string `json:"crit,omitempty"` // extensions the verifier must understand; [Verify] refuses any
}

// Claims are a token's claims. IssuedAt, Expiry and NotBefore are zero when
// absent, and whole seconds: a token may carry any JSON number (RFC 7519
// section 2), and a fraction of a second is dropped here, though [Verify]
// judges the times as sent.
//
// aud may be a string or an array of strings (RFC 7519 section 4.1.3;
// asc-go sends ["appstoreconnect-v1"]). Audiences always holds every
// audience the token names; Audience holds it too when there is exactly one,
// so code written for a string aud keeps working, and is empty when there are
// several. Encoding Claims as JSON writes Audience only.
type Claims struct {
	Issuer    string   `json:"iss,omitempty"`
	Subject   string   `json:"sub,omitempty"`
	Audience  string   `json:"aud,omitempty"`
	Audiences []string `json:"-"`
	IssuedAt  int64    `json:"iat,omitempty"`
	Expiry    int64    `json:"exp,omitempty"`
	NotBefore int64    `json:"nbf,omitempty"`
	Scope     []string `json:"scope,omitempty"`
	BundleID  string   `json:"bid,omitempty"`
}

// Token is a parsed token: its header and claims, and what was signed.
type Token struct {
	Header Header
	Claims Claims

	signingInput string // header.payload
	signature    []byte
	head, body   object    // the parts' members by exact name
	unencoded    bool      // header b64 is false
	iat, exp     time.Time // the times as sent, fractions of a second included
	nbf          time.Time
	hasIssuedAt  bool
	hasExpiry    bool
	hasNotBefore bool
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
//
// The format is read strictly, as a verifier must for a token to mean one
// thing: base64url without padding, line breaks or stray low bits (so that no
// two spellings carry one signature); UTF-8 JSON objects whose names are
// matched with their exact case and appear once each (a repeated name is
// refused by the rule "duplicate").
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
	var err error
	if t.head, err = decodePart("header", head); err != nil {
		return nil, err
	}
	if t.body, err = decodePart("payload", payload); err != nil {
		return nil, err
	}
	if t.signature, err = fakejwt.DecodeSegment(sig); err != nil {
		return nil, ruleErr(RuleFormat, "the signature is %v", err)
	}
	if err := t.readHeader(); err != nil {
		return nil, err
	}
	if err := t.readClaims(); err != nil {
		return nil, err
	}
	return t, nil
}

func decodePart(name, part string) (object, error) {
	raw, err := fakejwt.DecodeSegment(part)
	if err != nil {
		return object{}, ruleErr(RuleFormat, "the %s is %v", name, err)
	}
	return readObject(name, raw)
}

func (t *Token) readHeader() error {
	h, o := &t.Header, t.head
	if err := o.getStrings("header", stringMember{"alg", &h.Algorithm}, stringMember{"kid", &h.KeyID}, stringMember{"typ", &h.Type}); err != nil {
		return err
	}
	if _, err := o.get("header", "crit", &h.Critical, "a list of names"); err != nil {
		return err
	}
	var b64 bool
	present, err := o.get("header", "b64", &b64, "true or false")
	if err != nil {
		return err
	}
	t.unencoded = present && !b64
	return nil
}

func (t *Token) readClaims() error {
	c, o := &t.Claims, t.body
	if err := o.getStrings("claim", stringMember{"iss", &c.Issuer}, stringMember{"sub", &c.Subject}, stringMember{"bid", &c.BundleID}); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		dst  *int64
		at   *time.Time
		has  *bool
	}{{"iat", &c.IssuedAt, &t.iat, &t.hasIssuedAt}, {"exp", &c.Expiry, &t.exp, &t.hasExpiry}, {"nbf", &c.NotBefore, &t.nbf, &t.hasNotBefore}} {
		if !o.has(f.name) {
			continue
		}
		// Any JSON number of seconds, fractions included (RFC 7519 section
		// 2): Apple's Swift library and asc-go send them, and App Store
		// Connect takes them.
		at, err := fakejwt.ParseDate(f.name, o.members[f.name], fakejwt.AnyNumber)
		if err != nil {
			return ruleErr(RuleFormat, "claim %s is not a time in Unix seconds (a JSON number)", f.name)
		}
		*f.at, *f.dst, *f.has = at, at.Unix(), true
	}
	if _, err := o.get("claim", "scope", &c.Scope, "a list of strings"); err != nil {
		return err
	}
	// aud: one string, or an array of strings (RFC 7519 section 4.1.3).
	if o.has("aud") {
		list, err := o.members.Audiences("aud")
		if err != nil {
			return ruleErr(RuleFormat, "claim aud is not a string or a list of strings")
		}
		c.Audiences = list
	}
	if len(c.Audiences) == 1 {
		c.Audience = c.Audiences[0]
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
	// Leeway is how far in the future iat and nbf may be, and how far past
	// the lifetime limit exp may be in a token without iat; zero means 5
	// seconds.
	Leeway time.Duration
	// Request, when set, is the request the token is used for: a scoped
	// token must allow it.
	Request *http.Request
}

// roundingSlack is how far past a limit a lifetime with fractional times
// may be: exp = iat + 1200 computed in floating point by the client (as
// jwt-kit's Double dates are) can come out a few hundred nanoseconds over.
// Whole-second tokens are a second apart or more, so it changes nothing
// for them.
const roundingSlack = time.Millisecond

// DefaultLeeway is how far in the future a token's iat or nbf may be by
// default.
const DefaultLeeway = 5 * time.Second

// Verify checks token against pub and Apple's rules and returns it parsed.
// An error is a *[RuleError] naming the first rule the token breaks. The
// checks are, in order:
//
//   - format: a compact JWS of sane size, strict base64url, UTF-8 JSON
//     objects whose names are read with their exact case ("ALG" is not
//     "alg"), and no name twice (rule "duplicate");
//   - alg ES256, so "none", HS256 and RS256 fail before any key is used;
//   - no b64 false (RFC 7797) and no crit (RFC 7515 section 4.1.11 tells a
//     verifier to refuse extensions it does not understand, and no extension
//     is understood here);
//   - a 64-byte R||S signature valid for pub;
//   - typ absent (as fastlane's tokens were from 2019 to 2022) or JWT;
//     kid present (and equal to opts.KeyID if set);
//   - aud naming the audience, as a string or as an array that holds it
//     (RFC 7519 section 4.1.3 allows both, and asc-go sends the array);
//   - iss, or sub "user", as the key's kind requires, and no bid in an
//     individual key's token;
//   - times that are JSON numbers of seconds (fractions included: Apple's
//     Swift library and asc-go send them) before the year 10000, so
//     milliseconds are refused;
//   - nbf and iat, when present, no more than the leeway in the future;
//   - exp present and in the future;
//   - every scope entry well formed (see below);
//   - the lifetime within Apple's limit: 20 minutes, 60 with bid (whatever
//     the scope), 180 days for an App Store Connect token whose scope holds
//     only GETs on long-lived resources ("Generating Tokens for API
//     Requests" and "Generating JSON Web Tokens for API requests" in Apple's
//     documentation);
//   - with opts.Request, one scope entry allowing the request.
//
// Which API a request's path belongs to is the server's to judge, not
// Verify's: the server refuses a bid token off /inApps/ and one without bid
// on it (rule "bid"), so the 60 minutes hold on the App Store Server API
// alone.
//
// The lifetime of a token with iat is exp - iat, and exp may then be no
// further ahead of the server's clock than the limit, with no leeway: that
// is what refuses the tokens of a client whose clock runs fast. iat is
// optional, though: Apple's App Store Connect page lists it, but its App
// Store Server Library and asc-go sign without it and Apple accepts those
// tokens, so without iat the only measure of the lifetime is exp against the
// server's clock, and exp - now must be within the limit plus the leeway
// (the leeway for a client clock a little fast, as iat has).
//
// A scope entry is refused when no request could match it or when it could
// reach another resource than it names: invalid UTF-8, control characters,
// "#", malformed percent-escapes, and dot segments or encoded slashes in the
// path ([ascjwt.NewTokenSource] refuses the same entries).
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
	if err := t.checkExtensions(); err != nil {
		return err
	}
	if err := t.checkSignature(pub); err != nil {
		return err
	}
	h, c := t.Header, t.Claims
	// typ is optional: fastlane sent {"kid", "alg"} alone to App Store
	// Connect from 2019 to 2022 and Apple took it (RFC 7519 section 5.1
	// makes typ optional). One that is present must be "JWT", and one
	// missing while a name in another case stands in its place is the
	// mistake a case-insensitive decoder would hide.
	_, hasType := t.head.members["typ"]
	switch hint := t.head.caseHint("typ"); {
	case !hasType && hint != "":
		return ruleErr(RuleType, "header typ is missing%s; want \"JWT\", or no typ at all", hint)
	case hasType && h.Type != "JWT":
		return ruleErr(RuleType, "header typ is %s; want \"JWT\", or no typ at all", describeType(t.head.members["typ"], h.Type))
	}
	if h.KeyID == "" {
		return ruleErr(RuleKeyID, "header kid is missing%s; want the key's ID from App Store Connect", t.head.caseHint("kid"))
	}
	if opts.KeyID != "" && h.KeyID != opts.KeyID {
		return ruleErr(RuleKeyID, "header kid is %s; want %q", quoteShort(h.KeyID), opts.KeyID)
	}
	audience := opts.Audience
	if audience == "" {
		audience = "appstoreconnect-v1"
	}
	if !slices.Contains(c.Audiences, audience) {
		return t.audienceError(audience)
	}
	if err := c.checkIssuer(opts); err != nil {
		return err
	}
	if c.BundleID != "" && c.Issuer == "" {
		// "Creating API keys to authorize API requests" (App Store Server
		// API): the In-App Purchase key is a team's, and its token names
		// the issuer; an individual key's has none.
		return ruleErr(RuleBundleID, "a token with bid is for the App Store Server API, which takes a team's In-App Purchase key: an individual key's token (sub \"user\", no iss) cannot carry bid")
	}
	return t.checkTimes(opts, audience)
}

// describeType says what a typ that is not "JWT" is: its value when it is a
// short string, and otherwise its JSON kind.
func describeType(raw []byte, typ string) string {
	if isNull(raw) {
		return "null"
	}
	if typ == "" && (len(raw) == 0 || raw[0] != '"') {
		return "not a string"
	}
	return quoteShort(typ)
}

func (t *Token) checkAlgorithm() error {
	if _, ok := t.head.members["alg"]; !ok {
		return ruleErr(RuleAlgorithm, "header alg is missing%s; Apple accepts only ES256", t.head.caseHint("alg"))
	}
	if t.Header.Algorithm != "ES256" {
		return ruleErr(RuleAlgorithm, "header alg is %s; Apple accepts only ES256", quoteShort(t.Header.Algorithm))
	}
	return nil
}

// checkExtensions refuses the header parameters that change how the token
// is to be read: a verifier that ignored them would accept a token its
// maker meant otherwise.
func (t *Token) checkExtensions() error {
	if t.unencoded {
		return ruleErr(RuleUnencoded, "header b64 is false, an unencoded payload (RFC 7797); Apple's APIs take only the standard base64url payload: drop b64")
	}
	crit, present := t.Header.Critical, t.head.members["crit"] != nil
	switch {
	case !present:
		return nil
	case len(crit) == 0:
		return ruleErr(RuleCritical, "header crit is present but empty or null, which RFC 7515 section 4.1.11 forbids; drop it")
	}
	for _, name := range crit {
		if slices.Contains(standardHeaderNames, name) {
			return ruleErr(RuleCritical, "header crit lists %s, a parameter of the JWS standard itself, which RFC 7515 section 4.1.11 forbids; drop crit", quoteShort(name))
		}
	}
	return ruleErr(RuleCritical, "header crit lists %s, an extension this server does not understand, so RFC 7515 section 4.1.11 requires refusing the token; Apple's tokens carry no crit", quoteShort(crit[0]))
}

// standardHeaderNames are the header parameters RFC 7515 section 4.1
// defines, which crit must not list.
var standardHeaderNames = []string{"alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit"}

// checkSignature verifies the signature with crypto/ecdsa directly
// (internal/fakejwt), a path independent of the go-jose code that signs in
// package ascjwt.
func (t *Token) checkSignature(pub *ecdsa.PublicKey) error {
	if len(t.signature) != fakejwt.SignatureLen {
		return ruleErr(RuleSignature, "the signature is %d bytes; ES256 in a JWS is 64 bytes, R||S (not ASN.1 DER)", len(t.signature))
	}
	if !fakejwt.VerifyES256(pub, t.signingInput, t.signature) {
		return ruleErr(RuleSignature, "the signature does not verify with the key's public key")
	}
	return nil
}

// id identifies what was signed and the signature, the same for every way
// of writing the token ([fakejwt.TokenID]): revoking and counting by it
// cannot be dodged by respelling a token.
func (t *Token) id() string { return fakejwt.TokenID(t.signingInput, t.signature) }

func (t *Token) audienceError(audience string) error {
	c := t.Claims
	switch {
	case t.body.members["aud"] == nil:
		return ruleErr(RuleAudience, "aud is missing%s; want %q", t.body.caseHint("aud"), audience)
	case len(c.Audiences) == 0:
		return ruleErr(RuleAudience, "aud names no audience; want %q", audience)
	case len(c.Audiences) == 1:
		return ruleErr(RuleAudience, "aud is %s; want %q", quoteShort(c.Audience), audience)
	default:
		return ruleErr(RuleAudience, "aud is a list of %d audiences without %q", len(c.Audiences), audience)
	}
}

func (c Claims) checkIssuer(opts VerifyOptions) error {
	switch {
	case opts.IssuerID != "":
		if c.Issuer != opts.IssuerID {
			return ruleErr(RuleIssuer, "iss is %s; want the team key's issuer ID %q", quoteShort(c.Issuer), opts.IssuerID)
		}
	case opts.Individual:
		if c.Issuer != "" || c.Subject != "user" {
			return ruleErr(RuleIssuer, "an individual key's token must have sub \"user\" and no iss; it has iss %s, sub %s", quoteShort(c.Issuer), quoteShort(c.Subject))
		}
	default:
		if (c.Issuer == "") == (c.Subject != "user") {
			return ruleErr(RuleIssuer, "want iss (a team key's issuer ID) or sub \"user\" (an individual key), not both or neither; it has iss %s, sub %s", quoteShort(c.Issuer), quoteShort(c.Subject))
		}
	}
	return nil
}

func (t *Token) checkTimes(opts VerifyOptions, audience string) error {
	c := t.Claims
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	leeway := opts.Leeway
	if leeway == 0 {
		leeway = DefaultLeeway
	}
	for _, d := range []struct {
		rule, name string
		has        bool
		at         time.Time
	}{{RuleNotBefore, "nbf", t.hasNotBefore, t.nbf}, {RuleIssuedAt, "iat", t.hasIssuedAt, t.iat}, {RuleExpiry, "exp", t.hasExpiry, t.exp}} {
		if d.has && d.at.Unix() > fakejwt.MaxDate {
			return ruleErr(d.rule, "%s is past the year 9999: a NumericDate is in seconds, and this looks like milliseconds", d.name)
		}
	}
	if t.hasNotBefore {
		if ahead := t.nbf.Sub(now); ahead > leeway {
			return ruleErr(RuleNotBefore, "nbf is %s in the future by the server's clock; the token is not valid yet (check the client's clock, or drop nbf)", ahead.Round(time.Second))
		}
	}
	iat, exp := t.iat, t.exp
	if t.hasIssuedAt {
		if ahead := iat.Sub(now); ahead > leeway {
			return ruleErr(RuleIssuedAt, "iat is %s in the future by the server's clock; check the client's clock, or backdate iat", ahead.Round(time.Second))
		}
	}
	if !t.hasExpiry {
		return ruleErr(RuleExpiry, "exp is missing%s; want the expiry time in Unix seconds", t.body.caseHint("exp"))
	}
	if !exp.After(now) {
		return ruleErr(RuleExpiry, "the token expired %s ago (exp %s)", now.Sub(exp).Round(time.Second), exp.UTC().Format(time.RFC3339))
	}
	scopes, err := claims.ParseScopes(c.Scope)
	if err != nil {
		return ruleErr(RuleScope, "%v", err)
	}
	limit, rule := claims.Limit(audience, scopes, c.BundleID)
	if !t.hasIssuedAt {
		if ahead := exp.Sub(now); ahead > limit+leeway {
			return ruleErr(RuleLifetime, "there is no iat, so the lifetime is exp - now by the server's clock: %s; the limit is %s, with %s leeway", ahead.Round(time.Second), rule, leeway)
		}
	} else {
		if lifetime := exp.Sub(iat); lifetime > limit+roundingSlack {
			return ruleErr(RuleLifetime, "exp - iat is %s; the limit is %s", lifetime, rule)
		}
		if ahead := exp.Sub(now); ahead > limit+roundingSlack {
			return ruleErr(RuleExpiry, "exp is %s ahead of the server's clock; the limit is %s (a client clock running fast causes this)", ahead.Round(time.Second), rule)
		}
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
