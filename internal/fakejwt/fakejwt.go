// Package fakejwt reads compact ES256 JSON Web Tokens strictly, for every
// fake server of this module (asctest, apnstest, musickittest,
// weatherkittest, mapstest, axmtest, signinwithappletest). It is built on
// internal/jwsread's strict reading of the parts and its ES256 check (which
// the verifiers of what Apple signs, in signinwithapple and appstore,
// share), never on internal/jws, which makes the tokens: the fakes must
// check the signing path, not repeat it.
//
// A fake with Apple's usual rules (a key ID that names a key of one team,
// iss that team) calls [Verify] and then checks its API's own claims:
//
//	tok, err := fakejwt.Verify(value, fakejwt.Rules{MaxLen: 4 << 10, Key: keys})
//	iat, exp, err := tok.Payload.CheckTimes(now, time.Minute, fakejwt.AnyNumber)
//
// A fake whose tokens have other rules (asctest's individual keys carry no
// iss) builds on the parts: [Split], [ReadObject], [VerifyES256] and the
// [Object] readers.
//
// Strict means what a lax reader would let through is refused: base64url
// with padding, line breaks or spare bits (one signature under several
// spellings), JSON that is not UTF-8, names that come twice (which
// verifiers resolve differently), data after a JSON object, a signature
// that is not ES256's 64-byte R||S. Names are matched with their exact
// case, which encoding/json's Unmarshal into a struct does not do.
//
// Times are RFC 7519's NumericDate: any JSON number of seconds, fractions
// included ([AnyNumber]), since Apple's own Swift library (jwt-kit's
// default encoder) and cidertool/asc-go send fractions; a fake whose API
// holds clients to whole seconds asks for [WholeSeconds]. Strings, and
// numbers too large to be seconds (milliseconds, say), are refused either
// way.
//
// Its errors are phrases that each fake puts in its own words around;
// none quotes a token, and a member name is shown only when it is short
// and printable ([DescribeName]).
package fakejwt

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/jwsread"
)

// Rules are what [Verify] checks that every developer token shares.
type Rules struct {
	// MaxLen bounds the token read, in bytes.
	MaxLen int
	// Header lists the header names allowed besides alg, kid and typ; nil
	// allows any name but crit, which no fake understands.
	Header []string
	// Key returns the public key and Team ID of the key named kid, or an
	// error that says why there is none ("kid names no key of this
	// server").
	Key func(kid string) (pub *ecdsa.PublicKey, teamID string, err error)
}

// Token is a token whose signature and issuer passed [Verify].
type Token struct {
	// KeyID is the header's kid; Issuer the payload's iss, the key's Team
	// ID.
	KeyID, Issuer   string
	Header, Payload Object
	// Signature is the signature part as sent.
	Signature string
	// ID tells tokens apart however they are spelled ([TokenID]): what
	// the fakes count and revoke tokens by.
	ID string
}

// Verify checks what every developer token shares, in an order that
// refuses an algorithm other than ES256 before any key is looked up: the
// length, three strict base64url parts, a header of allowed names with alg
// ES256, typ absent or JWT and a kid that rules.Key knows, a 64-byte R||S
// signature by that key, and a payload whose iss is the key's Team ID. The
// claims of time and those of each API are the caller's to check. Its
// errors name the rule broken.
func Verify(value string, rules Rules) (*Token, error) {
	if len(value) > rules.MaxLen {
		return nil, errors.New("the token is longer than any developer token")
	}
	parts, err := Split(value)
	if err != nil {
		return nil, err
	}
	header, err := ReadObject(parts.Raw[0])
	if err != nil {
		return nil, fmt.Errorf("the header %w", err)
	}
	for name := range header {
		switch {
		case name == "alg" || name == "kid" || name == "typ":
		case rules.Header == nil && name != "crit":
		case !slices.Contains(rules.Header, name):
			return nil, fmt.Errorf("the header holds %s, which Apple's page does not list (%s)", DescribeName(name), strings.Join(append([]string{"alg", "kid"}, rules.Header...), ", "))
		}
	}
	if alg, _ := header.String("alg"); alg != "ES256" {
		return nil, errors.New("alg is not ES256, the only algorithm Apple takes for these tokens")
	}
	if typ, ok := header["typ"]; ok {
		if s, err := StringValue(typ); err != nil || s != "JWT" {
			return nil, errors.New("typ is present and not \"JWT\"")
		}
	}
	kid, ok := header.String("kid")
	if !ok {
		return nil, errors.New("the header has no kid (the key ID)")
	}
	pub, team, err := rules.Key(kid)
	if err != nil {
		return nil, err
	}
	if n := len(parts.Raw[2]); n != SignatureLen {
		return nil, fmt.Errorf("the signature is %d bytes; ES256 in JWS is 64 (R||S)", n)
	}
	if !parts.VerifyES256(pub) {
		return nil, errors.New("the signature does not verify with the key named by kid")
	}
	payload, err := ReadObject(parts.Raw[1])
	if err != nil {
		return nil, fmt.Errorf("the payload %w", err)
	}
	iss, ok := payload.String("iss")
	if !ok {
		return nil, ErrNoIssuer
	}
	if iss != team {
		return nil, ErrWrongIssuer
	}
	return &Token{KeyID: kid, Issuer: iss, Header: header, Payload: payload, Signature: parts.Encoded[2], ID: TokenID(parts.SigningInput(), parts.Raw[2])}, nil
}

// TokenID identifies what was signed and the signature, the same for every
// way of writing the token: strict base64url gives the signing input one
// spelling, and ECDSA's (r, s) and (r, n-s) are the same signature (both
// verify), so s is taken as the lower of the two. Counting and revoking
// tokens by it cannot be dodged by respelling one.
func TokenID(signingInput string, sig []byte) string {
	if len(sig) != SignatureLen {
		return signingInput + "." + string(sig)
	}
	n := elliptic.P256().Params().N
	s := new(big.Int).SetBytes(sig[32:])
	if other := new(big.Int).Sub(n, s); other.Sign() > 0 && other.Cmp(s) < 0 {
		s = other
	}
	low := make([]byte, SignatureLen)
	copy(low, sig[:32])
	s.FillBytes(low[32:])
	return signingInput + "." + string(low)
}

// The errors of [Verify] about iss, which a fake may put in its API's
// words (errors.Is).
var (
	ErrNoIssuer    = errors.New("iss (the Team ID) is missing or not a string")
	ErrWrongIssuer = errors.New("iss is not the Team ID of the key named by kid")
)

// Limits the fakes of developer-token APIs (MusicKit, WeatherKit) share.
const (
	// DeveloperTokenLeeway is how far in the future iat may be, for a
	// client clock ahead of the server's.
	DeveloperTokenLeeway = 60 // seconds
	// MaxDeveloperTokenLen bounds what a fake reads: a developer token is
	// a few hundred bytes, a long origin list a few kilobytes.
	MaxDeveloperTokenLen = 16 << 10
)

// SignatureLen is the length of an ES256 signature in a JWS
// ([jwsread.SignatureLen]).
const SignatureLen = jwsread.SignatureLen

// Parts is a compact JWS split at its periods, each part decoded.
type Parts struct {
	// Encoded holds the header, payload and signature as they were sent.
	Encoded [3]string
	// Raw holds the same three, decoded from base64url.
	Raw [3][]byte
}

// SigningInput is what the signature covers: the header and payload as
// sent, joined by a period.
func (p Parts) SigningInput() string { return p.Encoded[0] + "." + p.Encoded[1] }

// partNames name the three parts in errors.
var partNames = [3]string{"header", "payload", "signature"}

// Split splits value into the three parts of a compact JWS and decodes
// each as strict base64url. Its errors say how many parts there were or
// which part did not decode.
func Split(value string) (Parts, error) {
	enc := strings.Split(value, ".")
	if len(enc) != 3 {
		return Parts{}, fmt.Errorf("the token has %d parts; a JWS in compact form has 3", len(enc))
	}
	var p Parts
	for i := range enc {
		b, err := DecodeSegment(enc[i])
		if err != nil {
			return Parts{}, fmt.Errorf("the %s is %w", partNames[i], err)
		}
		p.Encoded[i], p.Raw[i] = enc[i], b
	}
	return p, nil
}

// DecodeSegment decodes base64url without padding strictly
// ([jwsread.DecodeSegment]): one signature has one spelling.
func DecodeSegment(s string) ([]byte, error) { return jwsread.DecodeSegment(s) }

// VerifyES256 reports whether the parts' signature is pub's ES256 signature
// of their header and payload ([VerifyES256]).
func (p Parts) VerifyES256(pub *ecdsa.PublicKey) bool {
	return VerifyES256(pub, p.SigningInput(), p.Raw[2])
}

// VerifyES256 reports whether sig is pub's ES256 signature of input
// ([jwsread.VerifyES256]).
func VerifyES256(pub *ecdsa.PublicKey, input string, sig []byte) bool {
	return jwsread.VerifyES256(pub, input, sig)
}

// Object is a JSON object's members by their exact names: a JWT's names
// are case-sensitive (RFC 7515 section 4, RFC 7519 section 4), which
// encoding/json's Unmarshal into a struct does not respect. It is
// [jwsread.Object] with the readers of the fakes' claims.
type Object map[string]json.RawMessage

// Problem is what [ReadObject] found wrong with a part.
type Problem = jwsread.Problem

// The problems [ReadObject] reports.
const (
	NotUTF8      = jwsread.NotUTF8      // the bytes are not UTF-8, which JSON requires (RFC 8259 section 8.1)
	NotObject    = jwsread.NotObject    // valid JSON, or the start of it, but not an object
	Syntax       = jwsread.Syntax       // not valid JSON; Offset says where
	Truncated    = jwsread.Truncated    // the JSON ends early
	Duplicate    = jwsread.Duplicate    // a member named twice; Name says which
	TrailingData = jwsread.TrailingData // something after the object
)

// ObjectError is the error of [ReadObject]: a phrase to follow "the header"
// or "the payload", and the problem by kind for a fake that words it its
// own way.
type ObjectError = jwsread.ObjectError

// ReadObject reads b as one JSON object by [jwsread.ReadObject]'s rules: not
// UTF-8, a member named twice and anything after the object are refused.
// Its errors are *[ObjectError].
func ReadObject(b []byte) (Object, error) {
	obj, err := jwsread.ReadObject(b)
	return Object(obj), err
}

// String returns the member name if it is a JSON string; null, a number
// or anything else is not.
func (o Object) String(name string) (string, bool) { return jwsread.Object(o).String(name) }

// StringValue decodes raw if it is a JSON string.
func StringValue(raw json.RawMessage) (string, error) { return jwsread.StringValue(raw) }

// Audiences reads the member name as RFC 7519 section 4.1.3 allows aud to
// be: one string, or an array of strings (asc-go sends
// ["appstoreconnect-v1"]). A missing member is an empty list; null, a
// number, or an array holding anything but strings is an error naming the
// member.
func (o Object) Audiences(name string) ([]string, error) {
	raw, ok := o[name]
	if !ok {
		return nil, nil
	}
	if s, err := StringValue(raw); err == nil {
		return []string{s}, nil
	}
	var list []string
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &list) != nil {
		return nil, fmt.Errorf("%s is not a string or a list of strings", name)
	}
	return list, nil
}

// DateForm says which JSON numbers a fake takes as a NumericDate.
type DateForm int

const (
	// AnyNumber takes any JSON number of seconds, a fraction or an
	// exponent included, as RFC 7519 section 2 defines NumericDate and as
	// Apple's own Swift library (jwt-kit's default encoder), cidertool/asc-go
	// (microseconds in exp) and the Swift App Store Connect SDK send it.
	AnyNumber DateForm = iota
	// WholeSeconds takes an integer only, the form Apple's pages show, for
	// the fakes whose API holds clients to it.
	WholeSeconds
)

// MaxDate is the last second of the year 9999: a NumericDate past it is not
// a time a token means, and most often milliseconds taken for seconds
// (1.7e12 for a date in 2023).
const MaxDate = 253402300799

// maxSeconds bounds what [ParseDate] converts: 2^53, past which a float64
// no longer holds every whole second.
const maxSeconds = 1 << 53

// Date reads the member name as a NumericDate in form. Its errors name the
// member and say what is wrong: missing, not a number (a string, null,
// true), not whole seconds, or past the year 9999 ([MaxDate]:
// milliseconds, most likely).
func (o Object) Date(name string, form DateForm) (time.Time, error) {
	raw, ok := o[name]
	if !ok {
		return time.Time{}, fmt.Errorf("%s is missing", name)
	}
	t, err := ParseDate(name, raw, form)
	if err == nil && (t.Unix() > MaxDate || t.Unix() < -MaxDate) {
		return time.Time{}, fmt.Errorf("%s is past the year 9999: a NumericDate is in seconds, not milliseconds", name)
	}
	return t, err
}

// ParseDate reads raw, the value of the member name, as a JSON number of
// seconds in form, for a reader that shows what it cannot trust (a token's
// times in milliseconds, say) and judges the range itself. Only a number
// too large to hold whole seconds is refused for its size.
func ParseDate(name string, raw json.RawMessage, form DateForm) (time.Time, error) {
	s := string(raw)
	// A JSON number starts with '-' or a digit, and json.Valid holds it to
	// JSON's grammar: strconv's own forms ("Inf", "NaN", "0x1p3", "1_000")
	// are not numbers here.
	if s == "" || s[0] != '-' && (s[0] < '0' || s[0] > '9') || !json.Valid(raw) {
		if form == WholeSeconds {
			return time.Time{}, fmt.Errorf("%s is not an integer number of seconds", name)
		}
		return time.Time{}, fmt.Errorf("%s is not a number of seconds", name)
	}
	if form == WholeSeconds {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > maxSeconds || n < -maxSeconds {
			return time.Time{}, fmt.Errorf("%s is not an integer number of seconds", name)
		}
		return time.Unix(n, 0), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || f > maxSeconds || f < -maxSeconds {
		return time.Time{}, fmt.Errorf("%s is not a number of seconds that a float64 holds to the second", name)
	}
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64(math.Round((f-sec)*1e9))), nil
}

// Int reads the member name as a NumericDate the way Apple writes it: an
// integer number of seconds, not a fraction, an exponent or a string
// ([WholeSeconds]). Its errors name the member.
func (o Object) Int(name string) (int64, error) {
	t, err := o.Date(name, WholeSeconds)
	if err != nil {
		return 0, err
	}
	return t.Unix(), nil
}

// CheckTimes reads iat and exp in form and checks them at now: iat no more
// than leeway ahead (for a client clock ahead of the server's), exp after
// now and after iat. Limits on exp - iat differ by API and are the
// caller's.
func (o Object) CheckTimes(now time.Time, leeway time.Duration, form DateForm) (iat, exp time.Time, err error) {
	if iat, err = o.Date("iat", form); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if exp, err = o.Date("exp", form); err != nil {
		return time.Time{}, time.Time{}, err
	}
	switch {
	case iat.After(now.Add(leeway)):
		return time.Time{}, time.Time{}, errors.New("iat is in the future")
	case !exp.After(now):
		return time.Time{}, time.Time{}, errors.New("the token has expired (exp is past)")
	case !exp.After(iat):
		return time.Time{}, time.Time{}, errors.New("exp is not after iat")
	}
	return iat, exp, nil
}

// Times is [Object.CheckTimes] in whole seconds, with leeway in seconds and
// now read to the second, for the fakes that take integers only.
func (o Object) Times(now time.Time, leeway int64) (iat, exp int64, err error) {
	i, e, err := o.CheckTimes(time.Unix(now.Unix(), 0), time.Duration(leeway)*time.Second, WholeSeconds)
	if err != nil {
		return 0, 0, err
	}
	return i.Unix(), e.Unix(), nil
}

// DescribeName shows a member name from a token quoted if it is short and
// printable, and otherwise says only how long it is
// ([jwsread.DescribeName]).
func DescribeName(name string) string { return jwsread.DescribeName(name) }
