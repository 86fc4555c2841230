package jws

import (
	"encoding/base64"
	"errors"
)

// errSegment is what DecodeSegment says; callers add which part it was.
var errSegment = errors.New("not base64url without padding (RFC 7515 section 2): only A-Z a-z 0-9 - _, no '=', no line breaks, and unused trailing bits zero")

// DecodeSegment decodes one part of a compact JWS strictly, so that each
// byte string has exactly one encoding. encoding/base64 on its own skips
// '\r' and '\n' and, without Strict, ignores the unused bits of the last
// character: a verifier that compares or remembers tokens as text would then
// see several different tokens that carry one signature.
func DecodeSegment(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return nil, errSegment
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errSegment
	}
	return b, nil
}
