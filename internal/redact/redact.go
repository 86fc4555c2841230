// Package redact describes values that were refused without showing them. A
// value in the wrong place may be a secret (a private key pasted into a key
// ID variable, CI secrets swapped), so an error or notice about it says what
// it looks like and how long it is, never what it holds.
package redact

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/ascjwt/ascjwt/internal/keyparse"
)

// LooksLikeKey reports whether s looks like private key material in any
// form a source may give it: a PEM block, text that parses as a key (its
// base64 body, base64 of the whole file), or base64 of any other DER
// structure or PEM file (a .p8 file's body is 184 characters of it). A long
// run of letters is not enough: an ID that is merely too long is described
// by its length.
func LooksLikeKey(s string) bool {
	if strings.Contains(s, "-----BEGIN") || strings.Contains(s, "PRIVATE KEY") {
		return true
	}
	if len(s) >= 32 && len(s) <= keyparse.MaxSize {
		if _, err := keyparse.Parse([]byte(s)); err == nil {
			return true
		}
	}
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if len(s) < 64 {
		return false
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(s); err == nil {
			return raw[0] == 0x30 || strings.Contains(string(raw), "-----BEGIN") // an ASN.1 SEQUENCE, or a PEM file
		}
	}
	return false
}

// Describe says what s is without a byte of it: "empty", "a private key
// (241 bytes)", "4,096 bytes".
func Describe(s string) string {
	switch {
	case s == "":
		return "empty"
	case LooksLikeKey(s):
		return "what looks like a private key (" + Bytes(len(s)) + ")"
	}
	return Bytes(len(s))
}

// Show returns s quoted when it is at most max bytes of printable ASCII and
// cannot be key material, so that a typo is shown as typed; otherwise it
// returns Describe(s) in angle brackets.
func Show(s string, max int) string {
	if len(s) <= max && printable(s) && !LooksLikeKey(s) {
		return strconv.Quote(s)
	}
	return "<" + Describe(s) + ">"
}

// ShowList is [Show] for each entry of a list (a Config's scope, its
// origins), in brackets and apart by spaces, as fmt prints a slice.
func ShowList(list []string, max int) string {
	shown := make([]string, len(list))
	for i, s := range list {
		shown[i] = Show(s, max)
	}
	return "[" + strings.Join(shown, " ") + "]"
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// Bytes formats n as "1 byte", "241 bytes", "4,096 bytes".
func Bytes(n int) string {
	if n == 1 {
		return "1 byte"
	}
	return Thousands(n) + " bytes"
}

// Thousands formats n with a comma between groups of three digits.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
