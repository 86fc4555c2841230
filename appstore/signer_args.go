package appstore

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ascjwt/ascjwt/internal/redact"
)

// NewNonce returns a new random UUID (version 4) in lower case, the form
// Apple asks for: a nonce for [Signer.PromotionalOfferV1], made anew for
// each signature. The JWS forms make their own.
func NewNonce() string {
	var b [16]byte
	rand.Read(b[:])         // never fails (crypto/rand's contract since Go 1.24)
	b[6] = b[6]&0x0f | 0x40 // version 4: random
	b[8] = b[8]&0x3f | 0x80 // the RFC 9562 variant
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// uuidLen is the length of a UUID's text: 32 hex digits in groups of
// 8-4-4-4-12.
const uuidLen = 36

// lowerUUID returns s in lower case if it is a UUID's text, in either case.
// The error, which starts with method, describes s without quoting it: a
// nonce is one half of what makes a signature usable.
func lowerUUID(method, name, s string) (string, error) {
	if len(s) != uuidLen {
		return "", fmt.Errorf("appstore: %s: %s is %s long, not the %d characters of a UUID (8-4-4-4-12 hex digits)%s", method, name, redact.Bytes(len(s)), uuidLen, uuidHint(name))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", fmt.Errorf("appstore: %s: %s is not a UUID: want hyphens after the 8th, 12th, 16th and 20th hex digit%s", method, name, uuidHint(name))
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return "", fmt.Errorf("appstore: %s: %s is not a UUID: it holds a character other than hex digits and hyphens%s", method, name, uuidHint(name))
			}
		}
	}
	return strings.ToLower(s), nil
}

func uuidHint(name string) string {
	if name == "nonce" {
		return "; make one with NewNonce"
	}
	return ""
}

// checkArg refuses an empty argument, one with white space around it, and
// one that is not UTF-8 (JSON would replace its bad bytes, and Apple would
// check the signature against other text than the app sends). The error
// names the argument and never quotes it.
func checkArg(method, name, value string) error {
	switch {
	case value == "":
		return fmt.Errorf("appstore: %s: %s is empty", method, name)
	case strings.TrimSpace(value) != value:
		return fmt.Errorf("appstore: %s: %s has white space around it; remove it", method, name)
	case !utf8.ValidString(value):
		return fmt.Errorf("appstore: %s: %s is not valid UTF-8", method, name)
	}
	return nil
}
