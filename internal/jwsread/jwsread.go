// Package jwsread reads the parts of a compact JWS strictly, for the code of
// this module that verifies tokens: signinwithapple's Verifier (Apple's
// identity tokens, notifications and key set), appstore's (what the App
// Store signs) and internal/fakejwt (the fakes' reading of the tokens this
// module signs); [VerifyES256] is the one ES256 check of appstore and the
// fakes (signinwithapple's tokens are RS256). It is written with the
// standard library directly and shares nothing with internal/jws, which
// signs: what checks the signing path must not repeat it.
//
// Strict means what a lax reader would let through is refused: base64url
// with padding, line breaks or spare bits (one signature under several
// spellings), JSON that is not UTF-8, names that come twice (which
// verifiers resolve differently) and data after a JSON object. Names are
// matched with their exact case, which encoding/json's Unmarshal into a
// struct does not do.
//
// Its errors quote nothing of a token, and a member name is shown only when
// it is short and printable ([DescribeName]).
package jwsread

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// errSegment is what DecodeSegment says; callers add which part it was.
var errSegment = errors.New("not base64url without padding (RFC 7515 section 2): only A-Z a-z 0-9 - _, no '=', no line breaks, and unused trailing bits zero")

// DecodeSegment decodes base64url without padding strictly: encoding/base64
// skips line breaks and, without Strict, ignores spare bits, which would let
// one signature travel under several spellings.
func DecodeSegment(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n=") {
		return nil, errSegment
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errSegment
	}
	return b, nil
}

// SignatureLen is the length of an ES256 signature in a JWS: R and S, 32
// bytes each (RFC 7518 section 3.4).
const SignatureLen = 64

// VerifyES256 reports whether sig is pub's ES256 signature of input, the
// JWS signing input: SHA-256, then a 64-byte R||S. A signature of any other
// length (an ASN.1 DER one, say) does not verify; callers that name that
// mistake check [SignatureLen] first.
func VerifyES256(pub *ecdsa.PublicKey, input string, sig []byte) bool {
	if pub == nil || len(sig) != SignatureLen {
		return false
	}
	digest := sha256.Sum256([]byte(input))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(pub, digest[:], r, s)
}

// Object is a JSON object's members by their exact names: a JWT's names
// are case-sensitive (RFC 7515 section 4, RFC 7519 section 4), which
// encoding/json's Unmarshal into a struct does not respect.
type Object map[string]json.RawMessage

// Problem is what [ReadObject] found wrong with a part.
type Problem int

// The problems [ReadObject] reports.
const (
	NotUTF8      Problem = iota + 1 // the bytes are not UTF-8, which JSON requires (RFC 8259 section 8.1)
	NotObject                       // valid JSON, or the start of it, but not an object
	Syntax                          // not valid JSON; Offset says where
	Truncated                       // the JSON ends early
	Duplicate                       // a member named twice; Name says which
	TrailingData                    // something after the object
)

// ObjectError is the error of [ReadObject]: a phrase to follow "the header"
// or "the payload", and the problem by kind for a fake that words it its
// own way.
type ObjectError struct {
	Problem Problem
	Name    string // the member named twice, for Duplicate (the sender's text: show it with DescribeName)
	Offset  int64  // the byte where the JSON went wrong, for Syntax
}

// Error is the phrase to follow "the header" or "the payload".
func (e *ObjectError) Error() string {
	switch e.Problem {
	case NotUTF8:
		return "is not UTF-8"
	case NotObject:
		return "is not a JSON object"
	case Duplicate:
		return fmt.Sprintf("names %s twice", DescribeName(e.Name))
	case TrailingData:
		return "has data after its JSON object"
	default:
		return "is not valid JSON"
	}
}

// ReadObject reads b as one JSON object, refusing one that is not UTF-8,
// names a member twice (which decoders resolve differently:
// {"alg":"none","alg":"ES256"} means one thing to a verifier that keeps
// the first and another to one that keeps the last) or is followed by
// anything but white space. Its errors are *[ObjectError].
func ReadObject(b []byte) (Object, error) {
	if !utf8.Valid(b) {
		return nil, &ObjectError{Problem: NotUTF8}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		if err != nil {
			return nil, jsonError(err)
		}
		return nil, &ObjectError{Problem: NotObject}
	}
	obj := make(Object)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonError(err)
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, jsonError(err)
		}
		if _, dup := obj[name]; dup {
			return nil, &ObjectError{Problem: Duplicate, Name: name}
		}
		obj[name] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &ObjectError{Problem: TrailingData}
	}
	return obj, nil
}

// jsonError classifies an error of encoding/json's decoder without its
// text, which can quote the input.
func jsonError(err error) *ObjectError {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return &ObjectError{Problem: Syntax, Offset: syntax.Offset}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &ObjectError{Problem: Truncated}
	default:
		return &ObjectError{Problem: NotObject}
	}
}

// String returns the member name if it is a JSON string; null, a number
// or anything else is not.
func (o Object) String(name string) (string, bool) {
	raw, ok := o[name]
	if !ok {
		return "", false
	}
	s, err := StringValue(raw)
	return s, err == nil
}

// StringValue decodes raw if it is a JSON string.
func StringValue(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", errors.New("not a string")
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// DescribeName shows a member name from a token quoted if it is short and
// printable, and otherwise says only how long it is: a name is the token
// sender's text, and may be anything.
func DescribeName(name string) string {
	if len(name) <= 32 {
		printable := true
		for i := 0; i < len(name); i++ {
			if name[i] < ' ' || name[i] > '~' {
				printable = false
			}
		}
		if printable {
			return strconv.Quote(name)
		}
	}
	return fmt.Sprintf("a member name of %d bytes", len(name))
}
